// Package sqlitetest fills a store with synthetic experiments shaped like
// real ones (scripts of a few kilobytes, small diffs, three seeds with
// loss curves, a mix of kept, discarded and failed), for benchmarks and
// tests at scale. Tests only.
package sqlitetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

var (
	categories = []research.Category{research.CategoryArchitecture, research.CategoryOptimizer, research.CategoryRegularization,
		research.CategoryHyperparameter, research.CategoryData, research.CategoryOther}
	failures = []research.FailureKind{research.FailCrash, research.FailTimeout, research.FailOOM, research.FailDivergence,
		research.FailSyntax, research.FailValidation, research.FailProposal}
)

// Fill records n synthetic experiments of task, which must have none yet,
// in batches of 5,000; the first is the baseline script. The task's goal
// is a loss (lower is better), as the generated means assume.
func Fill(ctx context.Context, db *sqlite.DB, task, baseline string, n int) error {
	if err := db.SetGoal(ctx, task, research.Goal{Metric: "val_bpb", Direction: research.Minimize}); err != nil {
		return err
	}
	src := rand.NewPCG(1, 2)
	g := &gen{rng: rand.New(src), task: task, baseline: baseline, best: 3.2, bestSeq: 1, //nolint:gosec // G404: synthetic data, reproducible on purpose
		at: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	for done := 0; done < n; {
		batch := make([]research.Experiment, 0, min(5000, n-done))
		for range cap(batch) {
			done++
			batch = append(batch, g.next(int64(done)))
		}
		if err := db.Import(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

type gen struct {
	rng      *rand.Rand
	task     string
	baseline string
	best     float64
	bestSeq  int64
	at       time.Time
}

func (g *gen) next(seq int64) research.Experiment {
	g.at = g.at.Add(time.Duration(50+g.rng.IntN(20)) * time.Second)
	done := g.at.Add(45 * time.Second)
	e := research.Experiment{Task: g.task, Mode: research.ModeImprove, Category: categories[g.rng.IntN(len(categories))],
		Description:  fmt.Sprintf("try learning rate %.5f with a wider hidden layer (%d units) and warm-up", g.rng.Float64()/100, 64+g.rng.IntN(512)),
		Hypothesis:   "a higher rate with warm-up converges further within the budget without diverging",
		Code:         fmt.Sprintf("%s\nLR = %.6f  # experiment %d\n", g.baseline, g.rng.Float64()/100, seq),
		Diff:         fmt.Sprintf("--- parent.py\n+++ train.py\n@@ -40,3 +40,3 @@\n context\n-LR = 0.003\n+LR = %.6f\n context\n", g.rng.Float64()/100),
		TrainSeconds: 30, SeedsPlanned: 3, CreatedAt: g.at, FinishedAt: &done,
		Cost: research.Cost{Proposer: "claude", Model: "claude-sonnet-4-6", InputTokens: 2000, OutputTokens: 300,
			CacheReadTokens: 1600, USD: 0.01 + g.rng.Float64()/100, ProposeSeconds: 4}}
	if seq == 1 {
		e.Mode, e.Category, e.Description, e.Code, e.Diff = research.ModeBaseline, research.CategoryOther, "baseline", g.baseline, ""
		g.outcome(&e, g.best, research.StatusKept)
		return e
	}
	parent := g.bestSeq
	e.ParentSeq = &parent
	switch r := g.rng.Float64(); {
	case r < 0.1:
		g.failed(&e)
	case r < 0.13:
		g.best *= 1 - 0.0002*g.rng.Float64()
		g.bestSeq = seq
		g.outcome(&e, g.best, research.StatusKept)
	default:
		g.outcome(&e, g.best+0.05*g.rng.Float64(), research.StatusDiscarded)
	}
	return e
}

func (g *gen) outcome(e *research.Experiment, mean float64, st research.Status) {
	std, test := 0.01*g.rng.Float64(), mean+0.01
	e.Status, e.Outcome.Mean, e.Outcome.Std, e.Outcome.Test, e.SeedsDone = st, &mean, &std, &test, 3
	for s := range 3 {
		m := mean + std*(g.rng.Float64()-0.5)
		run := research.SeedRun{Seed: int64(42 + s), OK: true, Metric: &m, TrainSeconds: 30, WallSeconds: 33}
		for step := range 40 {
			run.Loss = append(run.Loss, research.LossPoint{Step: step * 25, Loss: 4.2/(1+float64(step)/8) + mean/10})
		}
		e.Outcome.Seeds = append(e.Outcome.Seeds, run)
	}
}

func (g *gen) failed(e *research.Experiment) {
	k := failures[g.rng.IntN(len(failures))]
	e.Status, e.Outcome.Failure, e.SeedsDone = research.StatusFailed, k, 0
	e.Outcome.Excerpt = "Traceback (most recent call last):\n  File \"train.py\", line 57, in <module>\nRuntimeError: " + string(k)
	if k != research.FailProposal && k != research.FailSyntax && k != research.FailValidation {
		e.Outcome.Seeds = []research.SeedRun{{Seed: 42, ExitCode: 1, Failure: k, Excerpt: e.Outcome.Excerpt}}
	}
}
