package main

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/autoresearch/autoresearch"

var backticked = regexp.MustCompile("`([^`]+)`")

// archTable reads ARCHITECTURE.md's package table: package path (relative
// to the module, "." for main) → allowed project imports (nil for "any").
func archTable(t *testing.T) map[string][]string {
	t.Helper()
	f, err := os.Open("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "|")
		if len(cols) != 5 || !strings.HasPrefix(strings.TrimSpace(cols[1]), "`") {
			continue
		}
		pkg := backticked.FindStringSubmatch(cols[1])[1]
		allowed := []string{}
		if strings.TrimSpace(cols[3]) == "any" {
			allowed = nil
		}
		for _, m := range backticked.FindAllStringSubmatch(cols[3], -1) {
			allowed = append(allowed, m[1])
		}
		rows[pkg] = allowed
	}
	return rows
}

// packages maps each folder holding non-test Go files to the project
// packages those files import.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		out[dir] = append(out[dir], []string{}...)
		for _, imp := range file.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if rel, ok := strings.CutPrefix(p, module+"/"); ok {
				out[dir] = append(out[dir], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestArchitectureTableMatchesCode(t *testing.T) {
	table, pkgs := archTable(t), packages(t)
	var names []string
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		allowed, ok := table[p]
		if !ok {
			t.Errorf("package %s has no row in ARCHITECTURE.md's package table", p)
			continue
		}
		if allowed == nil {
			continue
		}
		for _, imp := range pkgs[p] {
			if !contains(allowed, imp) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow (allowed: %v)", p, imp, allowed)
			}
		}
	}
	for p := range table {
		if _, ok := pkgs[p]; !ok {
			t.Errorf("ARCHITECTURE.md names package %s, which does not exist", p)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
