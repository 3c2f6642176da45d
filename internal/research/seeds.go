package research

import (
	"context"
	"errors"
	"math"
	"slices"
)

// Plan is how a runner runs every experiment: the training budget, the
// seeds in order, how many of them a baseline runs (at least every
// planned seed), how many an experiment may get when the margin rule
// asks for more (at least every planned seed; 0: twice as many), and how
// many fresh seeds confirm an experiment the margin rule kept (0: none).
type Plan struct {
	TrainSeconds  float64
	Seeds         []int64
	BaselineSeeds int
	MaxSeeds      int
	ConfirmSeeds  int
}

// Seed is the i-th seed (from 0): the planned ones, then the numbers after
// the last planned one that are not planned already.
func (p Plan) Seed(i int) int64 {
	if i < len(p.Seeds) {
		return p.Seeds[i]
	}
	next := p.Seeds[len(p.Seeds)-1]
	for n := len(p.Seeds) - 1; n < i; {
		next++
		if !slices.Contains(p.Seeds, next) {
			n++
		}
	}
	return next
}

// seeds is how many seeds e runs at least (planned) and at most under
// its rule.
func (p Plan) seeds(e *Experiment) (planned, most int) {
	planned = len(p.Seeds)
	if e.Mode == ModeBaseline {
		return max(planned, p.BaselineSeeds), max(planned, p.BaselineSeeds)
	}
	if e.Rule == AcceptMean {
		return planned, planned
	}
	if p.MaxSeeds == 0 {
		return planned, 2 * planned
	}
	return planned, max(planned, p.MaxSeeds)
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

// RunSeeds runs e's code over seeds in the plan's order, e.SeedsPlanned of
// them and then more while e's rule finds it ahead of the best but not
// clearly (MoreSeeds, up to e.SeedsMax). It stops at the first failure,
// or after the first seed when the rule drops it (Drop: already behind
// the best by a clear margin; a baseline runs every seed), and
// aggregates the seeds into an Outcome. On a runner error it returns the
// seeds finished so far and the error. An e without SeedsPlanned gets
// the plan's for it.
func RunSeeds(ctx context.Context, r Runner, d Direction, e *Experiment, st Standing) (Outcome, error) {
	plan := r.Plan()
	var out Outcome
	if len(plan.Seeds) == 0 {
		return out, errors.New("the runner plans no seed")
	}
	if e.SeedsPlanned == 0 {
		e.SeedsPlanned, e.SeedsMax = plan.seeds(e)
	}
	for i := 0; more(d, e, st, &out, i); i++ {
		run, err := r.RunSeed(ctx, SeedSpec{ExperimentID: e.ID, Code: e.Code, Seed: plan.Seed(i)})
		if err != nil {
			return out, err
		}
		checkSeed(&run)
		out.Seeds = append(out.Seeds, run)
		if !run.OK {
			out.Failure, out.Excerpt = run.Failure, run.Excerpt
		}
	}
	summarize(&out)
	return out, nil
}

// more says whether e, with out's seeds, runs an i-th seed.
func more(d Direction, e *Experiment, st Standing, out *Outcome, i int) bool {
	switch {
	case out.Failure != "":
		return false
	case i == 0:
		return true
	case i == 1 && e.Mode != ModeBaseline && e.Rule.Drop(d, *out.Seeds[0].Metric, st.BestSeeds, st.Noise):
		return false
	case i < e.SeedsPlanned:
		return true
	}
	return i < e.SeedsMax && e.Rule.Judge(d, st.evidence(e, out)) == MoreSeeds
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
// its seeds with a metric, the mean of its confirmation seeds, its test
// mean when every seed it was decided on has a test metric, and sealed
// when every seed was.
func summarize(out *Outcome) {
	if out.Failure != "" || len(out.Seeds) == 0 {
		return
	}
	var vals, tests, confirms []float64
	decided := 0
	out.Sealed = true
	for _, s := range out.Seeds {
		out.Sealed = out.Sealed && s.Sealed
		switch {
		case s.Confirm && s.OK:
			confirms = append(confirms, *s.Metric)
		case !s.Confirm:
			decided++
			if s.TestMetric != nil {
				tests = append(tests, *s.TestMetric)
			}
		}
	}
	vals = out.Metrics()
	mean, std := MeanStd(vals)
	out.Mean, out.Std = &mean, &std
	if len(tests) == decided {
		t, _ := MeanStd(tests)
		out.Test = &t
	}
	if len(confirms) > 0 {
		c, _ := MeanStd(confirms)
		out.Confirmed = &c
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
