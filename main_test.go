package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/autoresearch/autoresearch/internal/cli"
	"github.com/autoresearch/autoresearch/internal/testdeps"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) {
	testscript.Main(withCache{m}, map[string]func(){
		"autoresearch": func() { os.Exit(cli.Main(context.Background(), os.Args[1:], cli.StdStreams())) },
	})
}

// TestScripts runs the command-line scenarios in testdata/script: the real
// binary's commands, real Python and PyTorch, a database per scenario.
func TestScripts(t *testing.T) {
	cacheDir := t.TempDir() // shared, so that data is prepared once
	data := t.TempDir()     // empty: tests use the data the binary ships and Debian's
	testscript.Run(t, testscript.Params{
		Dir:       "testdata/script",
		Condition: condition,
		Setup: func(e *testscript.Env) error {
			e.Setenv("AUTORESEARCH_CACHE_DIR", cacheDir)
			e.Setenv("AUTORESEARCH_DATA_DIR", data)
			return nil
		},
	})
}

// condition answers a script's [torch], [bwrap] and [fashion-mnist]: a
// script that needs what is missing skips, or fails when skips are
// disallowed (see testdeps).
func condition(cond string) (bool, error) {
	dep, ok := testutil.ByName[cond]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	err := dep.Check()
	if err != nil && testdeps.Strict() {
		return false, fmt.Errorf("needs %w; %s is set, so a missing dependency fails", err, testdeps.EnvDisallowSkip)
	}
	return err == nil, nil
}

// withCache runs the tests with a cache of their own (testutil.SharedCache):
// the conditions' interpreter probe writes the harness there.
type withCache struct{ m *testing.M }

func (w withCache) Run() int {
	_, cleanup := testutil.SharedCache()
	defer cleanup()
	return w.m.Run()
}
