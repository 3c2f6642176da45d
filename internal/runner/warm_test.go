package runner

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// seedLogger is uniform.py logging its seed as the step of its one loss
// point: the seed a warm process trains with must be the one handed over
// at the go.
func seedLogger(t *testing.T) string {
	t.Helper()
	code := script(t, "uniform.py")
	logged := strings.Replace(code, "H.log(0, 5.5)", "H.log(H.seed, 5.5)", 1)
	if logged == code {
		t.Fatal("uniform.py no longer logs H.log(0, 5.5): update seedLogger")
	}
	return logged
}

// spare waits until r holds a warm train process and returns it.
func spare(t *testing.T, r *Runner) *trainProc {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		p := r.pool()
		p.mu.Lock()
		n := len(p.procs)
		var got *trainProc
		if n > 0 {
			got = p.procs[0]
		}
		p.mu.Unlock()
		if got != nil {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no warm train process was started for the next seed")
	return nil
}

func TestWarmProcessServesTheNextSeed(t *testing.T) {
	for _, level := range []sandbox.Level{sandbox.LevelNone, sandbox.LevelFull} {
		t.Run(string(level), func(t *testing.T) {
			r := newTestRunner(t)
			if level == sandbox.LevelFull {
				testutil.Need(t, testutil.Bubblewrap)
			}
			r.Cfg.Isolation, r.Cfg.Warm = level, true
			ctx, code := context.Background(), seedLogger(t)
			first, err := r.RunSeed(ctx, research.SeedSpec{ExperimentID: 1, Code: code, Seed: 3})
			if err != nil || !first.OK {
				t.Fatalf("seed 3: %v %+v", err, first)
			}
			warm := spare(t, r)
			second, err := r.RunSeed(ctx, research.SeedSpec{ExperimentID: 1, Code: code, Seed: 5})
			if err != nil || !second.OK {
				t.Fatalf("seed 5: %v %+v", err, second)
			}
			if _, err := os.Stat(warm.root); !os.IsNotExist(err) || warm.alive() {
				t.Fatalf("the spare started during seed 3 was not the one seed 5 ran in (workspace %v, alive %v)", err, warm.alive())
			}
			for _, run := range []research.SeedRun{first, second} {
				if len(run.Loss) != 1 || int64(run.Loss[0].Step) != run.Seed {
					t.Fatalf("seed %d trained with the seed it logged, %+v: want the go's", run.Seed, run.Loss)
				}
			}
			next := spare(t, r)
			r.Close()
			if next.alive() {
				t.Fatal("Close left a warm process running")
			}
			if left, _ := os.ReadDir(r.Cfg.WorkDir); len(left) != 0 {
				t.Fatalf("Close left workspaces: %v", left)
			}
		})
	}
}

// Only finalists are evaluated on the test split: the baseline and what
// beats the best get a test metric, a discarded experiment none, and no
// workspace outlives its decision.
func TestTestSplitForFinalistsOnly(t *testing.T) {
	r := newTestRunner(t, 42, 43)
	r.Cfg.WithTest = true
	ctx := context.Background()
	store := &researchtest.MemStore{}
	base := &research.Experiment{Task: r.Task.Name, Mode: research.ModeBaseline, Code: script(t, "uniform.py")}
	if err := research.RunOne(ctx, store, r, r.Task.Goal(), base); err != nil {
		t.Fatal(err)
	}
	if base.Status != research.StatusKept || base.Outcome.Test == nil || math.Abs(*base.Outcome.Test-8) > 1e-4 {
		t.Fatalf("baseline: %s, test %v: want kept with test 8 bits per byte", base.Status, base.Outcome.Test)
	}
	for _, s := range base.Outcome.Seeds {
		if s.TestMetric == nil || s.TestSeconds <= 0 {
			t.Fatalf("seed %d of the baseline: test %v in %v s", s.Seed, s.TestMetric, s.TestSeconds)
		}
	}
	same := &research.Experiment{Task: r.Task.Name, Mode: research.ModeImprove, Code: script(t, "uniform.py")}
	if err := research.RunOne(ctx, store, r, r.Task.Goal(), same); err != nil {
		t.Fatal(err)
	}
	if same.Status != research.StatusDiscarded || same.Outcome.Test != nil {
		t.Fatalf("no better than the best: %s, test %v: want discarded without a test metric", same.Status, same.Outcome.Test)
	}
	for _, s := range same.Outcome.Seeds {
		if s.TestMetric != nil || s.TestSeconds != 0 {
			t.Fatalf("seed %d of a discarded experiment was evaluated on test", s.Seed)
		}
	}
	if left, _ := os.ReadDir(r.Cfg.WorkDir); len(left) != 0 {
		t.Fatalf("workspaces outlived their decisions: %v", left)
	}
}
