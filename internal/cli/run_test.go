package cli

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

var loopFast = append([]string{"--proposer", "search", "--no-test", "--search-seed", "3"}, fast...)

func statusJSON(t *testing.T, db string) []jsonRecord {
	t.Helper()
	var st struct {
		Experiments []jsonRecord `json:"experiments"`
	}
	code, out, errOut := run(context.Background(), t, "status", "--db", db, "--json")
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json: exit %d %s", code, errOut)
	}
	return st.Experiments
}

func TestRunLoopOffline(t *testing.T) {
	db := setupData(t)
	code, out, errOut := run(context.Background(), t, append([]string{"run", "--db", db, "--max-experiments", "3"}, loopFast...)...)
	if code != 0 {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"→ baseline", "→ improve from #1", "4 experiments:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	exps := statusJSON(t, db)
	if len(exps) != 4 || exps[0].Mode != research.ModeBaseline || exps[0].Status != research.StatusKept {
		t.Fatalf("recorded %d experiments: %+v", len(exps), exps)
	}
	for _, e := range exps[1:] {
		// A proposal whose one step outlasts the 1 s budget on a loaded
		// machine (a wide model on long blocks) is overtime: that is the
		// clock's rule at work, not the loop failing.
		finished := e.Status == research.StatusKept || e.Status == research.StatusDiscarded ||
			(e.Status == research.StatusFailed && e.FailureKind == string(research.FailOvertime))
		if e.Parent == nil || e.Mode != research.ModeImprove || e.Category != research.CategoryHyperparameter ||
			e.Cost.Proposer != "search" || !finished {
			t.Errorf("experiment #%d: %+v", e.Seq, e)
		}
	}
	// Running again continues: no second baseline, numbers go on.
	code, out, _ = run(context.Background(), t, append([]string{"run", "--db", db, "--max-experiments", "1"}, loopFast...)...)
	if code != 0 || strings.Contains(out, "→ baseline") {
		t.Fatalf("second run exit %d:\n%s", code, out)
	}
	if exps = statusJSON(t, db); len(exps) != 5 || exps[4].Seq != 5 {
		t.Fatalf("after the second run: %d experiments", len(exps))
	}
}

// The model-based proposers run the loop end to end through the real
// Optuna helper, each proposal a point of the baseline's search space.
func TestRunLoopModelBased(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	for _, name := range []string{"tpe", "cmaes"} {
		t.Run(name, func(t *testing.T) {
			db := setupData(t)
			args := append([]string{"run", "--db", db, "--max-experiments", "2", "--proposer", name, "--no-test", "--search-seed", "3"}, fast...)
			if code, out, errOut := run(context.Background(), t, args...); code != 0 {
				t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
			}
			exps := statusJSON(t, db)
			if len(exps) != 3 {
				t.Fatalf("recorded %d experiments, want a baseline and 2", len(exps))
			}
			for _, e := range exps[1:] {
				if e.Cost.Proposer != name || e.Category != research.CategoryHyperparameter || e.Code == exps[0].Code ||
					(e.Status != research.StatusKept && e.Status != research.StatusDiscarded) {
					t.Errorf("experiment #%d: %+v", e.Seq, e)
				}
			}
		})
	}
}

func TestRunResumesAfterACrash(t *testing.T) {
	db := setupData(t)
	ctx := context.Background()
	if code, out, errOut := run(ctx, t, append([]string{"baseline", "--db", db}, fast...)...); code != 0 {
		t.Fatalf("baseline: %s %s", out, errOut)
	}
	// A process killed with -9 leaves its experiment "running".
	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	orphan := &research.Experiment{Task: "shakespeare", Mode: research.ModeImprove, Code: "x", Status: research.StatusRunning}
	if err := store.Create(ctx, orphan); err != nil {
		t.Fatal(err)
	}
	store.Close()
	code, out, errOut := run(ctx, t, append([]string{"run", "--db", db, "--max-experiments", "1"}, loopFast...)...)
	if code != 0 {
		t.Fatalf("run: %s %s", out, errOut)
	}
	exps := statusJSON(t, db)
	if len(exps) != 3 || exps[1].Status != research.StatusInterrupted || exps[2].Seq != 3 || exps[2].Parent == nil || *exps[2].Parent != 1 {
		t.Fatalf("after resume: %+v", exps)
	}
}

func TestRunInterruptedThenContinues(t *testing.T) {
	db := setupData(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // Ctrl-C while the first proposal trains
		for !strings.Contains(readStatus(db), "running") {
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
	}()
	args := append([]string{"run", "--db", db, "--max-experiments", "5"}, loopFast...)
	code, _, errOut := run(ctx, t, args...)
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 130: %s", code, errOut)
	}
	if pids := testutil.ProcessesMatching(os.Getenv("AUTORESEARCH_CACHE_DIR")); len(pids) > 0 { // this package's children only
		t.Fatalf("training processes left: %v", pids)
	}
	exps := statusJSON(t, db)
	if len(exps) == 0 || exps[len(exps)-1].Status != research.StatusInterrupted {
		t.Fatalf("the experiment in flight was not recorded as interrupted: %+v", exps)
	}
	before := len(exps)
	args = append([]string{"run", "--db", db, "--max-experiments", "1"}, loopFast...)
	if code, out, errOut := run(context.Background(), t, args...); code != 0 {
		t.Fatalf("continuing: exit %d\n%s%s", code, out, errOut)
	}
	exps = statusJSON(t, db)
	if len(exps) <= before || exps[len(exps)-1].Seq != int64(len(exps)) {
		t.Fatalf("the next run did not continue the record: %+v", exps)
	}
}

// readStatus reads the status table without failing the test (the
// database may not exist yet).
func readStatus(db string) string {
	var out strings.Builder
	Main(context.Background(), []string{"status", "--db", db}, Streams{Out: &out, Err: &strings.Builder{}})
	return out.String()
}
