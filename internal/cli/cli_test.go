package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" || (len(os.Args) > 1 && os.Args[1] == "node") { // the crash test runs this binary as the CLI, Slurm jobs as the node
		os.Exit(Main(context.Background(), os.Args[1:], Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
	}
	testutil.Main(m)
}

// run executes the command line in-process and returns its exit code and
// outputs.
func run(ctx context.Context, t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(ctx, args, Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// setupData skips (see testutil.Need) unless experiments can run, and
// returns a database path in a fresh folder.
func setupData(t *testing.T) string {
	t.Helper()
	testutil.Need(t, testutil.Runs...)
	t.Setenv(task.EnvDataDir, t.TempDir()) // empty: the data shipped and Debian's
	return filepath.Join(t.TempDir(), "test.db")
}

// fast are the flags that keep integration runs to a few seconds.
var fast = []string{"--train-seconds", "1", "--seeds", "42", "--startup-allowance", "8s", "--save-allowance", "2s"}

func TestBaselineStatusExport(t *testing.T) {
	testutil.Need(t, testutil.FashionMNIST)
	db := setupData(t)
	ctx := context.Background()
	code, out, errOut := run(ctx, t, append([]string{"baseline", "--db", db, "--task", "fashion-mnist"}, fast...)...)
	if code != 0 {
		t.Fatalf("baseline exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "experiment #1 kept: error_rate") {
		t.Fatalf("baseline output:\n%s", out)
	}
	code, out, _ = run(ctx, t, "status", "--db", db, "--task", "fashion-mnist")
	if code != 0 || !strings.Contains(out, "*  1 ") || !strings.Contains(out, "kept") {
		t.Fatalf("status exit %d:\n%s", code, out)
	}
	var st struct {
		BestSeq     *int64       `json:"best_seq"`
		Direction   string       `json:"direction"`
		Experiments []jsonRecord `json:"experiments"`
	}
	_, out, _ = run(ctx, t, "status", "--db", db, "--task", "fashion-mnist", "--json")
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.BestSeq == nil || *st.BestSeq != 1 || st.Direction != "minimize" || len(st.Experiments) != 1 {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	e := st.Experiments[0]
	if e.Metric == nil || *e.Metric <= 0 || *e.Metric >= 1 || e.TestMetric == nil || len(e.Seeds) != 1 || len(e.Seeds[0].Loss) == 0 {
		t.Fatalf("recorded experiment incomplete: %+v", e)
	}
	checkExports(t, db)
}

// TestStepBudgetBaseline: a baseline under --budget-steps trains exactly
// its steps on every seed (the LR schedule follows H.progress()), well
// inside the time ceiling, and records its budget; an eval under the time
// budget alone is then refused, naming the flags that match the best.
func TestStepBudgetBaseline(t *testing.T) {
	testutil.Need(t, testutil.FashionMNIST)
	db := setupData(t)
	ctx := context.Background()
	args := []string{"baseline", "--db", db, "--task", "fashion-mnist", "--budget-steps", "30", "--train-seconds", "30", "--seeds", "42,43",
		"--startup-allowance", "8s", "--no-test"}
	code, out, errOut := run(ctx, t, args...)
	if code != 0 || !strings.Contains(out, "budget 30 steps (at most 30 s)") || strings.Count(out, "(step 30)") != 2 {
		t.Fatalf("baseline exit %d, want both seeds at step 30 under 30 steps (at most 30 s):\n%s\n%s", code, out, errOut)
	}
	var recs []jsonRecord
	_, out, _ = run(ctx, t, "export", "--db", db, "--task", "fashion-mnist", "--format", "json")
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 1 || recs[0].BudgetSteps != 30 || recs[0].TrainSeconds != 30 {
		t.Fatalf("export: %v\n%s", err, out)
	}
	for _, s := range recs[0].Seeds {
		if s.Steps != 30 || s.TrainSeconds > 20 {
			t.Errorf("seed %d: %d steps in %.1f s, want 30 well inside the 30 s ceiling", s.Seed, s.Steps, s.TrainSeconds)
		}
	}
	code, _, errOut = run(ctx, t, "eval", "--db", db, "--task", "fashion-mnist", "--train-seconds", "30", testutil.Script("uniform.py"))
	if code != ExitUsage || !strings.Contains(errOut, "run with --train-seconds 30 --budget-steps 30,") {
		t.Fatalf("eval under a time budget after a step-budget best: exit %d\n%s", code, errOut)
	}
}

// A built-in baseline whose budget leaves no training step (start-up ate
// it: no allowance) still exports its untrained model and is measured:
// its export example is taken before the training loop.
func TestBaselinesExportWithoutAStep(t *testing.T) {
	testutil.Need(t, testutil.FashionMNIST)
	db := setupData(t)
	for _, name := range []string{"shakespeare", "fashion-mnist"} {
		code, out, errOut := run(context.Background(), t, "baseline", "--db", db, "--task", name, "--train-seconds", "1", "--seeds", "42",
			"--startup-allowance", "1ms", "--save-allowance", "20s", "--no-test")
		if code != 0 || !strings.Contains(out, "(step 0)") || !strings.Contains(out, "experiment #1 kept") {
			t.Errorf("%s: exit %d, want a kept baseline at step 0:\n%s\n%s", name, code, out, errOut)
		}
	}
}

func checkExports(t *testing.T, db string) {
	t.Helper()
	dir := t.TempDir()
	for _, format := range []string{"tsv", "csv", "json"} {
		path := filepath.Join(dir, "results."+format)
		if code, _, errOut := run(context.Background(), t, "export", "--db", db, "--task", "fashion-mnist", "-o", path); code != 0 {
			t.Fatalf("export %s: %s", format, errOut)
		}
		data, _ := os.ReadFile(path)
		if format == "json" {
			var recs []jsonRecord
			if err := json.Unmarshal(data, &recs); err != nil || len(recs) != 1 || recs[0].Code == "" {
				t.Fatalf("json export: %v", err)
			}
			continue
		}
		r := csv.NewReader(bytes.NewReader(data))
		if format == "tsv" {
			r.Comma = '\t'
		}
		rows, err := r.ReadAll()
		if err != nil || len(rows) != 2 || rows[0][5] != "metric" || rows[1][4] != "kept" {
			t.Fatalf("%s export: %v %q", format, err, rows)
		}
	}
}

func TestEvalIgnoresFakeMetric(t *testing.T) {
	db := setupData(t)
	code, out, errOut := run(context.Background(), t, append([]string{"eval", "--db", db, testutil.Script("fake_metric.py")}, fast...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "val_bpb 8.0000") {
		t.Fatalf("want the evaluator's 8.0 bits per byte:\n%s", out)
	}
}

func TestEvalTimeoutIsRecorded(t *testing.T) {
	db := setupData(t)
	args := []string{"eval", "--db", db, testutil.Script("sleep_forever.py"), "--train-seconds", "1", "--seeds", "42",
		"--startup-allowance", "2s", "--save-allowance", "1s"}
	code, out, _ := run(context.Background(), t, args...)
	if code != ExitFailed || !strings.Contains(out, "failed (timeout)") {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitFailed, out)
	}
	_, out, _ = run(context.Background(), t, "status", "--db", db)
	if !strings.Contains(out, "failed:timeout") {
		t.Fatalf("status:\n%s", out)
	}
	if pids := testutil.ProcessesMatching("777.25"); len(pids) > 0 {
		t.Fatalf("left running: %v", pids)
	}
}

func TestInterruptExits130AndRecords(t *testing.T) {
	db := setupData(t)
	ctx, cancel := context.WithCancel(context.Background())
	sawLive := make(chan bool, 1)
	go func() {
		for len(testutil.ProcessesMatching("777.25")) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		sawLive <- liveSeeds(db) > 0 // the dashboard's view of the seed in flight
		cancel()
	}()
	code, _, errOut := run(ctx, t, "eval", "--db", db, testutil.Script("sleep_forever.py"), "--train-seconds", "60", "--seeds", "42")
	if !<-sawLive {
		t.Error("no live progress was recorded for the running seed")
	}
	if liveSeeds(db) != 0 {
		t.Error("live progress outlived the interrupted experiment")
	}
	if code != ExitInterrupted || !strings.Contains(errOut, "interrupted") {
		t.Fatalf("exit %d, want 130: %s", code, errOut)
	}
	_, out, _ := run(context.Background(), t, "status", "--db", db)
	if !strings.Contains(out, "interrupted") {
		t.Fatalf("status after interrupt:\n%s", out)
	}
	if pids := testutil.ProcessesMatching("777.25"); len(pids) > 0 {
		t.Fatalf("left running: %v", pids)
	}
}

func liveSeeds(path string) int {
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return -1
	}
	defer db.Close()
	live, _ := db.Live(context.Background(), "shakespeare")
	return len(live)
}
