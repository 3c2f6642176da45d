package research

import (
	"context"
	"errors"
	"math"
)

// Plan is how a runner runs every experiment: the training budget and
// the seeds in order.
type Plan struct {
	TrainSeconds float64
	Seeds        []int64
}

// SeedSpec is one seed of one recorded experiment to run.
type SeedSpec struct {
	ExperimentID int64 // the recorded experiment's, for progress events
	Code         string
	Seed         int64
}

// Runner runs one seed of a script: a train phase, then the trusted
// evaluation of what it exported. It knows nothing of keep or discard. A
// failed script is a SeedRun with a Failure (OK false), not an error;
// errors are for the runner itself (and ctx's error when it was
// cancelled), and then nothing of the seed is left running. This is the
// seam an executor elsewhere (a cluster) implements.
type Runner interface {
	Plan() Plan
	RunSeed(ctx context.Context, s SeedSpec) (SeedRun, error)
}

// RunSeeds runs e's code over the runner's seeds in order: it stops at
// the first failure, or after the first seed when that is already worse
// than best (ShortCircuit; best nil runs every seed), and aggregates the
// seeds into an Outcome. On a runner error it returns the seeds finished
// so far and the error.
func RunSeeds(ctx context.Context, r Runner, d Direction, e *Experiment, best *float64) (Outcome, error) {
	plan := r.Plan()
	var out Outcome
	if len(plan.Seeds) == 0 {
		return out, errors.New("the runner plans no seed")
	}
	for i, seed := range plan.Seeds {
		run, err := r.RunSeed(ctx, SeedSpec{ExperimentID: e.ID, Code: e.Code, Seed: seed})
		if err != nil {
			return out, err
		}
		checkSeed(&run)
		out.Seeds = append(out.Seeds, run)
		if !run.OK {
			out.Failure, out.Excerpt = run.Failure, run.Excerpt
			break
		}
		if i == 0 && ShortCircuit(d, *run.Metric, best) {
			break
		}
	}
	summarize(&out)
	return out, nil
}

// checkSeed holds a runner to the contract: a seed reported OK has a
// finite metric.
func checkSeed(run *SeedRun) {
	switch {
	case run.OK && run.Metric == nil:
		run.OK, run.Failure, run.Excerpt = false, FailCrash, "the runner reported a seed without a metric"
	case run.OK && (math.IsNaN(*run.Metric) || math.IsInf(*run.Metric, 0)):
		run.OK, run.Failure, run.Excerpt = false, FailDivergence, "the runner reported a metric that is not a finite number"
	}
}

// summarize sets a successful outcome's mean and standard deviation over
// its seeds, its test mean when every seed has a test metric, and sealed
// when every seed was.
func summarize(out *Outcome) {
	if out.Failure != "" || len(out.Seeds) == 0 {
		return
	}
	var vals, tests []float64
	out.Sealed = true
	for _, s := range out.Seeds {
		out.Sealed = out.Sealed && s.Sealed
		vals = append(vals, *s.Metric)
		if s.TestMetric != nil {
			tests = append(tests, *s.TestMetric)
		}
	}
	mean, std := MeanStd(vals)
	out.Mean, out.Std = &mean, &std
	if len(tests) == len(vals) {
		t, _ := MeanStd(tests)
		out.Test = &t
	}
}

// SeedsOK counts the seeds that produced a metric.
func (o Outcome) SeedsOK() int {
	n := 0
	for _, s := range o.Seeds {
		if s.OK {
			n++
		}
	}
	return n
}
