package researchtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// RunnerHarness is what RunnerSuite needs of an implementation of
// research.Runner: the runner and three scripts for its task.
type RunnerHarness struct {
	Runner research.Runner
	// Honest trains within the budget, logs a loss and exports a model: it
	// gets a metric, and its loss reaches Curve.
	Honest string
	// Curve counts the training events with a loss the runner reported for
	// an experiment (what live curves are drawn from).
	Curve func(experimentID int64) int
	// PastBudget trains past the budget (and its save allowance), within
	// the kill deadline: overtime.
	PastBudget string
	// Broken raises before it exports anything: a failed seed, not an error.
	Broken string
	// Hang never ends on its own (it sleeps); Started reports, while it
	// runs, whether its process has started (for the cancellation case).
	Hang    string
	Started func() bool
	// Left reports whether anything of Hang is still running afterwards.
	Left func() bool
	// Sealed says whether the runner's seeds run sealed (SeedRun.Sealed).
	Sealed bool
}

// RunnerSuite checks research.Runner's contract, for every executor:
// results, failure kinds, the time limit, cancellation, and events for
// live curves.
func RunnerSuite(t *testing.T, h RunnerHarness) {
	plan := h.Runner.Plan()
	if len(plan.Seeds) == 0 || plan.TrainSeconds <= 0 {
		t.Fatalf("plan %+v: want seeds and a budget", plan)
	}
	seed := plan.Seeds[0]
	t.Run("HonestSeedHasAMetric", func(t *testing.T) {
		run, err := h.Runner.RunSeed(bg, research.SeedSpec{ExperimentID: 1, Code: h.Honest, Seed: seed})
		if err != nil || !run.OK || run.Metric == nil || run.Failure != "" || run.Seed != seed || run.Sealed != h.Sealed {
			t.Fatalf("honest seed: %+v, %v; want OK with a metric, seed %d, sealed %v", run, err, seed, h.Sealed)
		}
		if run.TrainSeconds <= 0 || run.WallSeconds < run.TrainSeconds || run.EvalSeconds <= 0 {
			t.Fatalf("timings %+v: want training, evaluation and a wall time covering both", run)
		}
		if n := h.Curve(1); n == 0 {
			t.Fatal("no training event with a loss reached the runner's events")
		}
	})
	t.Run("PastTheBudgetIsOvertime", func(t *testing.T) {
		run, err := h.Runner.RunSeed(bg, research.SeedSpec{ExperimentID: 4, Code: h.PastBudget, Seed: seed})
		if err != nil || run.OK || run.Failure != research.FailOvertime || run.Metric != nil {
			t.Fatalf("a seed past its budget: %+v, %v; want an overtime failure, no metric", run, err)
		}
	})
	t.Run("BrokenScriptIsAFailedSeed", func(t *testing.T) {
		run, err := h.Runner.RunSeed(bg, research.SeedSpec{ExperimentID: 2, Code: h.Broken, Seed: seed})
		if err != nil || run.OK || run.Failure == "" || run.Metric != nil || run.Excerpt == "" {
			t.Fatalf("broken seed: %+v, %v; want a failure with an excerpt, no metric, no error", run, err)
		}
	})
	t.Run("CancelEndsEverything", func(t *testing.T) { cancelEnds(t, h, seed) })
}

func cancelEnds(t *testing.T, h RunnerHarness, seed int64) {
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	go func() {
		for !h.Started() && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := h.Runner.RunSeed(ctx, research.SeedSpec{ExperimentID: 3, Code: h.Hang, Seed: seed})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled seed: err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > time.Duration(h.Runner.Plan().TrainSeconds*float64(time.Second))+30*time.Second {
		t.Fatalf("a cancelled seed took %s to return", el)
	}
	if h.Left() {
		t.Fatal("processes of the cancelled seed are still running")
	}
}
