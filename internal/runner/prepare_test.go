package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
	"github.com/autoresearch/autoresearch/tasks"
)

// cifarTaskDir writes the built-in cifar10 task to a folder whose manifest
// downloads archive from url instead of the Toronto site.
func cifarTaskDir(t *testing.T, url string, archive []byte) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(tasks.FS, "cifar10", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(tasks.FS, p)
		return os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(archive)
	tk, _ := task.Load("cifar10", "")
	f := tk.Data.Files[0]
	m, _ := os.ReadFile(filepath.Join(dir, "task.json"))
	s := strings.NewReplacer(f.URL, url, f.SHA256, hex.EncodeToString(sum[:]),
		fmt.Sprint(f.Size), fmt.Sprint(len(archive)), `"name": "cifar10"`, `"name": "cifar10-mini"`).Replace(string(m))
	if err := os.WriteFile(filepath.Join(dir, "task.json"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCIFARDownloadParseAndTrain runs the real CIFAR-10 code path on a
// small archive in the official format: download with checksum, parse the
// pickled batches into splits, then train and evaluate the baseline.
func TestCIFARDownloadParseAndTrain(t *testing.T) {
	env := testutil.Env(t)
	archivePath := filepath.Join(t.TempDir(), "cifar-10-python.tar.gz")
	if out, err := exec.Command(env.Python, "testdata/make_cifar.py", archivePath, "20").CombinedOutput(); err != nil {
		t.Fatalf("make archive: %v\n%s", err, out)
	}
	archive, _ := os.ReadFile(archivePath)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Write(archive)
	}))
	defer srv.Close()
	tk, err := task.Load("", cifarTaskDir(t, srv.URL+"/cifar-10-python.tar.gz", archive))
	if err != nil {
		t.Fatal(err)
	}
	cacheRoot := t.TempDir()
	res := &task.Resolver{CacheDir: filepath.Join(cacheRoot, "data")}
	splits, err := Prepare(context.Background(), env, tk, tk.Source, cacheRoot, res)
	if err != nil {
		t.Fatal(err)
	}
	checkShapes(t, env.Python, env.LibDir, splits, "[90, 3, 32, 32] [10, 3, 32, 32] [20, 3, 32, 32]")
	if _, err := Prepare(context.Background(), env, tk, tk.Source, cacheRoot, res); err != nil || hits.Load() != 1 {
		t.Fatalf("second Prepare: err %v, %d downloads (want the cached splits, 1 download)", err, hits.Load())
	}
	r := &Runner{Env: env, Task: tk, TaskDir: tk.Source, Splits: splits, Exec: Local{}, Cfg: Config{
		TrainSeconds: 1, Seeds: []int64{42}, StartupAllowance: 10 * time.Second, SaveAllowance: 5 * time.Second,
		EvalTimeout: time.Minute, Device: "cpu", WorkDir: t.TempDir(), WithTest: true}}
	out, err := runSeeds(context.Background(), r, tk.Baseline)
	if err != nil || out.Failure != "" {
		t.Fatalf("baseline on mini CIFAR: err %v failure %q\n%s", err, out.Failure, out.Excerpt)
	}
	if *out.Mean < 0 || *out.Mean > 1 || out.Test == nil {
		t.Fatalf("error rate %v, test %v", *out.Mean, out.Test)
	}
	checkFastAgrees(t, r, 1.0/valImages(t, r))
}

func checkShapes(t *testing.T, python, lib string, s Splits, want string) {
	t.Helper()
	code := "import sys, ar_data\nprint(*[list(ar_data.load_split(p)[0].shape) for p in sys.argv[1:]])"
	cmd := exec.Command(python, "-c", code, s.Train, s.Val, s.Test)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+lib)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("load splits: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("split shapes %s, want %s", got, want)
	}
}
