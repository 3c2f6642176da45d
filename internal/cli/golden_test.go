package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// fixtureDB records a small, fixed history: a baseline, a discarded and
// a kept eval, a failure, and a description carrying terminal escapes.
func fixtureDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, path := goalDB(t, "golden.db")
	defer db.Close()
	clock := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return clock }
	add := func(mode research.Mode, status research.Status, desc, code string, mean float64, fail research.FailureKind, parent *int64) int64 {
		sealed := !strings.HasPrefix(desc, "lower")
		e := &research.Experiment{Task: "shakespeare", Mode: mode, Category: research.CategoryHyperparameter, Description: desc,
			Code: code, Status: research.StatusRunning, TrainSeconds: 30, SeedsPlanned: 2, ParentID: parent,
			Cost: research.Cost{USD: 0.0123, InputTokens: 1500, OutputTokens: 300}}
		if err := db.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		done := clock.Add(75 * time.Second)
		e.Status, e.FinishedAt = status, &done
		if fail == "" {
			e.Outcome = research.Outcome{Mean: &mean, Std: ptr(0.01), Sealed: sealed, Seeds: []research.SeedRun{{Seed: 42, OK: true, Metric: ptr(mean - 0.01)}, {Seed: 137, OK: true, Metric: ptr(mean + 0.01)}}}
		} else {
			e.Outcome = research.Outcome{Failure: fail, Excerpt: "Traceback...\nRuntimeError: boom", Seeds: []research.SeedRun{{Seed: 42, Failure: fail}}}
		}
		e.SeedsDone = e.Outcome.SeedsOK()
		if err := db.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(2 * time.Minute)
		return e.ID
	}
	base := add(research.ModeBaseline, research.StatusKept, "baseline", "lr = 3e-3\n", 3.18, "", nil)
	add(research.ModeEval, research.StatusDiscarded, "lower lr\tto 1e-3", "lr = 1e-3\n", 3.25, "", &base)
	add(research.ModeEval, research.StatusKept, "wider model \x1b[31mred\x1b[0m\nsecond line", "lr = 3e-3\nd = 96\n", 3.05, "", &base)
	add(research.ModeEval, research.StatusFailed, "a crash", "raise\n", 0, research.FailCrash, &base)
	return path
}

// goalDB opens a new store named name in a temporary folder, with
// shakespeare's goal (val_bpb, lower is better) recorded; the caller
// closes it.
func goalDB(t *testing.T, name string) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetGoal(context.Background(), "shakespeare", research.Goal{Metric: "val_bpb", Direction: research.Minimize}); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db, path
}

func ptr(v float64) *float64 { return &v }

func TestStatusAndExportGolden(t *testing.T) {
	db := fixtureDB(t)
	ctx := context.Background()
	cases := []struct {
		golden string
		args   []string
	}{
		{"status.txt", []string{"status", "--db", db}},
		{"status-last.txt", []string{"status", "--db", db, "--last", "2"}},
		{"export.tsv", []string{"export", "--db", db}},
		{"export.csv", []string{"export", "--db", db, "--format", "csv"}},
	}
	for _, c := range cases {
		code, out, errOut := run(ctx, t, c.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		testutil.Golden(t, c.golden, out)
	}
}

// TestStatusSaysWhereSeedsRun: status lists the seeds in flight with
// where each runs.
func TestStatusSaysWhereSeedsRun(t *testing.T) {
	path := fixtureDB(t)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := &research.Experiment{Task: "shakespeare", Mode: research.ModeEval, Code: "x", Status: research.StatusRunning, TrainSeconds: 30}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateLive(ctx, e.ID, 42, research.PhaseTraining, "cpu cores 1", nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errOut := run(ctx, t, "status", "--db", path)
	if want := "running: #5 seed 42 training on cpu cores 1\n"; code != 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d: %s%s\nwant %q", code, out, errOut, want)
	}
}

func TestReportCommand(t *testing.T) {
	db := fixtureDB(t)
	out := filepath.Join(t.TempDir(), "r.html")
	code, stdout, errOut := run(context.Background(), t, "report", "--db", db, "-o", out)
	if code != 0 || !strings.Contains(stdout, "4 experiments") {
		t.Fatalf("exit %d: %s %s", code, stdout, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), "shakespeare: val_bpb") || !strings.Contains(string(b), "wider model") {
		t.Fatalf("report: %v", err)
	}
	if code, _, _ := run(context.Background(), t, "report", "--db", db, "-o", filepath.Join(t.TempDir(), "no", "dir", "r.html")); code != ExitUsage {
		t.Fatalf("unwritable output: exit %d", code)
	}
}

func TestDashboardCommandServesAndStops(t *testing.T) {
	db := fixtureDB(t)
	url, stop := startDashboard(t, db)
	resp, err := http.Get(url + "/api/tasks/shakespeare/experiments")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	if code := stop(); code != ExitInterrupted {
		t.Fatalf("dashboard exit %d after Ctrl-C, want 130", code)
	}
	code, _, errOut := run(context.Background(), t, "dashboard", "--db", db, "--port", "0", "--addr", "256.0.0.1")
	if code != ExitUsage || !strings.Contains(errOut, "--port") {
		t.Fatalf("bad address: exit %d %s", code, errOut)
	}
}

// startDashboard serves db on a free port; stop is Ctrl-C, returning the
// exit code.
func startDashboard(t *testing.T, db string) (url string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"dashboard", "--db", db, "--port", "0"}, Streams{Out: &syncWriter{b: &out}, Err: &strings.Builder{}})
	}()
	var once sync.Once
	var code int
	stop = func() int { once.Do(func() { cancel(); code = <-done }); return code }
	t.Cleanup(func() { stop() })
	for range 100 {
		if s := (&syncWriter{b: &out}).String(); strings.Contains(s, "http://") {
			url = strings.Fields(s[strings.Index(s, "http://"):])[0]
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return url, stop
}

// syncWriter lets a test read what a command writes from another goroutine.
type syncWriter struct{ b *strings.Builder }

var syncMu sync.Mutex

func (w *syncWriter) Write(p []byte) (int, error) {
	syncMu.Lock()
	defer syncMu.Unlock()
	return w.b.Write(p)
}

func (w *syncWriter) String() string {
	syncMu.Lock()
	defer syncMu.Unlock()
	return w.b.String()
}
