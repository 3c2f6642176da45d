// Package testutil holds helpers shared by tests that need the real
// Python, PyTorch, isolation and data sets. Need says what a test needs;
// where it is missing the test skips, or fails under make test and CI
// (see testdeps).
package testutil

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/task"
)

// RepoRoot returns the repository's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Env returns a Python environment that imports torch, or skips the test
// (see Need).
func Env(t testing.TB) *pyenv.Env {
	t.Helper()
	Need(t, Torch)
	env, err := pyenv.New(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// Script returns the path of a test script in the repository's
// testdata/scripts folder.
func Script(name string) string {
	return filepath.Join(RepoRoot(), "testdata", "scripts", name)
}

// Main runs a package's tests with SharedCache and fails them when
// goroutines are still running at the end; call it from TestMain.
func Main(m *testing.M) {
	_, cleanup := SharedCache()
	code := m.Run()
	cleanup()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// SharedCache points the cache at one folder per test binary, so that
// data is prepared once per package rather than once per test, and
// unsets the data folder a developer may have set: tests use only what
// the repository and the system's packages hold. It returns the folder;
// call it from TestMain.
func SharedCache() (string, func()) {
	dir, err := os.MkdirTemp("", "autoresearch-test-cache-")
	if err != nil {
		panic(err)
	}
	if err := os.Setenv("AUTORESEARCH_CACHE_DIR", dir); err != nil {
		panic(err)
	}
	if err := os.Unsetenv(task.EnvDataDir); err != nil {
		panic(err)
	}
	return dir, func() { os.RemoveAll(dir) }
}

// ProcessesMatching returns the PIDs of live processes whose command line
// contains s (zombies excluded).
func ProcessesMatching(s string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmd), s) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if fields := strings.Fields(string(stat)); len(fields) > 2 && fields[2] == "Z" {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// Describe names processes by PID, state and command line, for failure
// messages.
func Describe(pids []int) []string {
	var out []string
	for _, pid := range pids {
		cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		stat, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		state := ""
		if f := strings.Fields(string(stat)); len(f) > 2 {
			state = f[2]
		}
		out = append(out, fmt.Sprintf("%d %s %q", pid, state, strings.ReplaceAll(string(cmd), "\x00", " ")))
	}
	return out
}

// Listen serves 127.0.0.1 on the host (accepting and closing every
// connection) until the test ends, and returns the port: a service that
// sandboxed code must not reach.
func Listen(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // a test listener for the life of the test
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Golden compares got with the file testdata/golden/NAME of the calling
// package; with -update it writes the file instead.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// Counter counts by key from several goroutines (events a runner
// reports, say).
type Counter struct {
	mu sync.Mutex
	n  map[int64]int
}

// Add counts one for key.
func (c *Counter) Add(key int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	c.n[key]++
}

// Get is key's count.
func (c *Counter) Get(key int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}
