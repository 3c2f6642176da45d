package research

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
)

// Plan is how a runner runs every experiment: the training budget (in
// seconds, and in gradient steps when BudgetSteps is positive), the
// seeds in order, how many of them a baseline runs (at least every
// planned seed), how many an experiment may get when the margin rule
// asks for more (at least every planned seed; 0: twice as many), and how
// many fresh seeds confirm an experiment the margin rule kept (0: none).
type Plan struct {
	TrainSeconds  float64
	BudgetSteps   int
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

// FreshStride spaces the seeds of experiments judged by the margin rule:
// experiment number n runs Plan.Seed(i) + n·FreshStride.
const FreshStride = 1_000_000

// SeedOf is e's i-th seed (from 0). A baseline, and an experiment judged
// by the mean rule (as it always was), runs the plan's seeds; any other
// runs seeds of its own, offset by its number (FreshStride). A seed's
// luck (its initialisation, its data order) is much of the noise at short
// budgets: were every experiment to run the same seeds, that luck would
// be shared, and an experiment compared with a best measured on more or
// other seeds would be ahead or behind by its seeds' luck every time
// (fashion-mnist at 10 s: seed 42 scores about 1.7 noise floors worse
// than the mean of five). Fresh seeds make it the independent noise the
// margin rule weighs.
func (p Plan) SeedOf(e *Experiment, i int) int64 {
	if !margined(e) {
		return p.Seed(i)
	}
	return p.Seed(i) + e.Seq*FreshStride
}

// margined reports whether e is an experiment the margin rule judges
// against a best: not a baseline (a measurement, which runs its planned
// seeds), not one under the mean rule (which runs as it always did).
func margined(e *Experiment) bool {
	return e.Mode != ModeBaseline && e.Rule != AcceptMean
}

// seeds is how many seeds e runs at least (planned) and at most under
// its rule (the confirmation's included).
func (p Plan) seeds(e *Experiment) (planned, most int) {
	planned = len(p.Seeds)
	switch {
	case e.Mode == ModeBaseline:
		return max(planned, p.BaselineSeeds), max(planned, p.BaselineSeeds)
	case !margined(e):
		return planned, planned
	}
	return planned, max(planned, cmp.Or(p.MaxSeeds, 2*planned)) + p.confirms(e)
}

// confirms is how many fresh seeds confirm e before it is kept: the
// plan's, for an experiment the margin rule judges.
func (p Plan) confirms(e *Experiment) int {
	if !margined(e) {
		return 0
	}
	return max(0, p.ConfirmSeeds)
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

// RunSeeds runs e's code over seeds in the plan's order: e.SeedsPlanned
// of them, then more while e's rule finds it ahead of the best but not
// clearly (MoreSeeds). It stops at the first failure, or after the first
// seed when the rule drops it (Drop: already behind the best by a clear
// margin; a baseline runs every seed). When the margin rule would keep it
// over a best, it first runs the plan's ConfirmSeeds fresh seeds (and
// more while unclear, up to e.SeedsMax in all), and the decision weighs
// them too: the draw that made it look better is not all that decides.
// It aggregates the seeds into an Outcome (First: the mean that called
// for the confirmation). On a runner error it returns the seeds finished
// so far and the error. An e without SeedsPlanned gets the plan's for it.
func RunSeeds(ctx context.Context, r Runner, d Direction, e *Experiment, st Standing) (Outcome, error) {
	plan := r.Plan()
	var out Outcome
	if len(plan.Seeds) == 0 {
		return out, errors.New("the runner plans no seed")
	}
	if e.SeedsPlanned == 0 {
		e.SeedsPlanned, e.SeedsMax = plan.seeds(e)
	}
	for i := 0; ; i++ {
		run, confirm := next(d, e, st, &out, plan, i)
		if !run {
			break
		}
		if confirm && out.First == nil {
			first, _ := MeanStd(out.Metrics())
			out.First = &first
		}
		if err := runSeed(ctx, r, e, &out, plan.SeedOf(e, i), confirm); err != nil {
			return out, err
		}
	}
	summarize(&out)
	return out, nil
}

// next says whether e runs its i-th seed after out's, and whether as a
// confirmation seed.
func next(d Direction, e *Experiment, st Standing, out *Outcome, plan Plan, i int) (run, confirm bool) {
	confirming := out.First != nil
	switch {
	case out.Failure != "" || i >= max(1, e.SeedsMax):
		return false, false
	case i == 0:
		return true, false
	case i == 1 && e.Mode != ModeBaseline && e.Rule.Drop(d, *out.Seeds[0].Metric, st.BestSeeds, st.Noise):
		return false, false
	case i < e.SeedsPlanned:
		return true, false
	case confirming && i < decided(out)+plan.confirms(e):
		return true, true // the confirmation's own seeds
	}
	switch e.Rule.Judge(d, st.evidence(e, out)) {
	case MoreSeeds:
		return confirming || i < e.SeedsMax-plan.confirms(e), confirming
	case Keep:
		return !confirming && st.BestID != 0 && plan.confirms(e) > 0, true
	}
	return false, false
}

// decided counts out's seeds that are not confirmation seeds.
func decided(out *Outcome) int {
	n := 0
	for _, s := range out.Seeds {
		if !s.Confirm {
			n++
		}
	}
	return n
}

// runSeed runs one seed of e and adds it to out (a failed one fails out).
func runSeed(ctx context.Context, r Runner, e *Experiment, out *Outcome, seed int64, confirm bool) error {
	run, err := r.RunSeed(ctx, SeedSpec{ExperimentID: e.ID, Code: e.Code, Seed: seed})
	if err != nil {
		return err
	}
	checkSeed(&run)
	run.Confirm = confirm
	out.Seeds = append(out.Seeds, run)
	if !run.OK {
		out.Failure, out.Excerpt = run.Failure, run.Excerpt
	}
	return nil
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
	var tests, confirmed []float64
	out.Sealed = true
	for _, s := range out.Seeds {
		out.Sealed = out.Sealed && s.Sealed
		switch {
		case s.Confirm && s.OK:
			confirmed = append(confirmed, *s.Metric)
		case !s.Confirm && s.TestMetric != nil:
			tests = append(tests, *s.TestMetric)
		}
	}
	mean, std := MeanStd(out.Metrics())
	out.Mean, out.Std = &mean, &std
	if len(tests) == decided(out) {
		t, _ := MeanStd(tests)
		out.Test = &t
	}
	if len(confirmed) > 0 {
		c, _ := MeanStd(confirmed)
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
