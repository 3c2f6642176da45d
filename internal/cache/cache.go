// Package cache locates the user cache directory and writes embedded file
// trees (the Python harness, built-in task folders) to disk once, keyed by
// their content, so that concurrent runs and upgrades never see a
// half-written or stale copy.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// EnvDir names the variable that overrides the cache directory.
const EnvDir = "AUTORESEARCH_CACHE_DIR"

// Dir returns the cache root: $AUTORESEARCH_CACHE_DIR, else the user cache
// directory's autoresearch folder, else one under the temp directory.
func Dir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "autoresearch")
	}
	return filepath.Join(os.TempDir(), "autoresearch-cache")
}

// Materialize writes the tree of fsys under root/name-<hash> and returns
// that folder. A folder already there with the same hash is reused.
func Materialize(fsys fs.FS, root, name string) (string, error) {
	files, sum, err := hashTree(fsys)
	if err != nil {
		return "", fmt.Errorf("read embedded %s: %w", name, err)
	}
	dst := filepath.Join(root, name+"-"+sum[:12])
	if _, err := os.Stat(filepath.Join(dst, ".complete")); err == nil {
		return dst, os.Chmod(dst, 0o755) // earlier versions left it private
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("create cache folder: %w", err)
	}
	tmp, err := os.MkdirTemp(root, name+".tmp-")
	if err != nil {
		return "", fmt.Errorf("create cache folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	// Readable by all: isolated scripts run as an unprivileged user.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("create cache folder: %w", err)
	}
	if err := writeFiles(fsys, files, tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		if _, statErr := os.Stat(filepath.Join(dst, ".complete")); statErr == nil {
			return dst, nil // another process won the race
		}
		return "", fmt.Errorf("install %s: %w", dst, err)
	}
	return dst, nil
}

func hashTree(fsys fs.FS) ([]string, string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

func writeFiles(fsys fs.FS, files []string, dst string) error {
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		path := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dst, ".complete"), nil, 0o644)
}
