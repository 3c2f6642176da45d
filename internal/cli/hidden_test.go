package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/testutil"
)

// TestHiddenCoversEveryDataSource: the sandbox's masks name every place
// the resolver knows for every built-in task (the --data-dir, the
// environment's folder, the cache, Debian's copy), the --task-dir task's
// too, the cache's data and prepared splits, and the database by its
// absolute path, and this program's executable (it carries tiny
// Shakespeare).
func TestHiddenCoversEveryDataSource(t *testing.T) {
	dataDir, envDir, cacheRoot := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("AUTORESEARCH_DATA_DIR", envDir)
	t.Chdir(t.TempDir())
	g := &globalOpts{DataDir: dataDir, DB: "my.db", TaskDir: writeUserTask(t)}
	got := hidden(g, Streams{}, cacheRoot)
	cwd, _ := filepath.Abs(".")
	exe, _ := os.Executable()
	for _, want := range []string{
		filepath.Join(dataDir, "fashion-mnist"), filepath.Join(envDir, "tinyshakespeare"), filepath.Join(dataDir, "cifar10"),
		"/usr/share/datasets/fashion-mnist", filepath.Join(dataDir, "mini"),
		filepath.Join(cacheRoot, "data"), filepath.Join(cacheRoot, "prepared"),
		filepath.Join(cwd, "my.db"), filepath.Join(cwd, "my.db-wal"), exe,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("%s is not hidden: %v", want, got)
		}
	}
}

// writeUserTask writes a user task folder named mini whose data lives in
// a folder of its own name.
func writeUserTask(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	copyShakespeare(t, dir, strings.NewReplacer(`"name": "shakespeare"`, `"name": "mini"`, `"dir": "tinyshakespeare"`, `"dir": "mini"`))
	return dir
}

// copyShakespeare writes the built-in shakespeare task's files to dir,
// edited by r.
func copyShakespeare(t *testing.T, dir string, r *strings.Replacer) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"baseline.py", "prompt.md", "prepare.py", "evaluate.py", "task.json"} {
		b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "tasks", "shakespeare", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(r.Replace(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
