package research_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	. "github.com/autoresearch/autoresearch/internal/research" //nolint:revive,staticcheck // the package's own vocabulary, read unqualified
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

var minimize = Goal{Metric: "loss", Direction: Minimize}

// seedRunner answers each seed from a table, by the plan's seed it
// stands for (a missing seed fails with a crash), and remembers what it
// was asked.
type seedRunner struct {
	mu     sync.Mutex
	seeds  []int64
	sealed bool
	metric map[int64]float64
	err    error
	asked  []SeedSpec
	plan   Plan // its seed counts (the budget and seeds are set here)
}

func (r *seedRunner) Plan() Plan {
	p := r.plan
	p.TrainSeconds, p.Seeds = 30, r.seeds
	return p
}

func (r *seedRunner) RunSeed(_ context.Context, s SeedSpec) (SeedRun, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked = append(r.asked, s)
	if r.err != nil {
		return SeedRun{Seed: s.Seed}, r.err
	}
	m, ok := r.metric[s.Seed%FreshStride] // an experiment's own seeds score as the plan's they stand for
	if !ok {
		return SeedRun{Seed: s.Seed, Failure: FailCrash, Excerpt: "boom"}, nil
	}
	return SeedRun{Seed: s.Seed, OK: true, Metric: &m, TestMetric: &m, Sealed: r.sealed || s.Seed != 2}, nil
}

// constant scores every seed v.
func constant(v float64, seeds ...int64) *seedRunner {
	r := &seedRunner{seeds: seeds, metric: map[int64]float64{}}
	for _, s := range seeds {
		r.metric[s] = v
	}
	return r
}

func TestRunOneDecisions(t *testing.T) {
	ctx := context.Background()
	st := &researchtest.MemStore{}
	steps := []struct {
		mode Mode
		r    *seedRunner
		want Status
	}{
		{ModeBaseline, constant(3, 1, 2), StatusKept},
		{ModeEval, constant(3.2, 1, 2), StatusDiscarded},
		{ModeEval, constant(2.8, 1, 2), StatusKept},
		{ModeEval, &seedRunner{seeds: []int64{1, 2}}, StatusFailed},
		{ModeBaseline, constant(2.9, 1, 2), StatusDiscarded},
	}
	for i, s := range steps {
		e := &Experiment{Task: "t", Mode: s.mode, Code: "x"}
		if err := RunOne(ctx, st, s.r, minimize, e); err != nil {
			t.Fatal(err)
		}
		if e.Status != s.want || e.FinishedAt == nil || e.SeedsPlanned != 2 || e.TrainSeconds != 30 {
			t.Fatalf("step %d: %+v, want %s", i+1, e, s.want)
		}
	}
	if best, _ := st.Best(ctx, "t"); best.Seq != 3 {
		t.Fatalf("best is #%d, want #3", best.Seq)
	}
}

func TestRunOneShortCircuitsExceptForBaselines(t *testing.T) {
	ctx := context.Background()
	st := &researchtest.MemStore{}
	_ = RunOne(ctx, st, constant(3, 1, 2, 3), minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	r := constant(4, 1, 2, 3)
	e := &Experiment{Task: "t", Mode: ModeEval}
	_ = RunOne(ctx, st, r, minimize, e)
	if len(r.asked) != 1 || e.Status != StatusDiscarded || e.SeedsDone != 1 {
		t.Fatalf("a worse first seed ran %d seeds (%s, %d done); want 1, discarded", len(r.asked), e.Status, e.SeedsDone)
	}
	if e.ParentID == nil || *e.ParentID != 1 || r.asked[0].ExperimentID != e.ID {
		t.Fatalf("eval parent = %v, spec %+v; want the best (#1) and the experiment's ID", e.ParentID, r.asked[0])
	}
	r = constant(4, 1, 2, 3)
	_ = RunOne(ctx, st, r, minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	if len(r.asked) != 3 {
		t.Fatalf("a baseline ran %d seeds; it must run every seed (no short-circuit)", len(r.asked))
	}
}

func TestRunSeedsAggregates(t *testing.T) {
	ctx := context.Background()
	r := &seedRunner{seeds: []int64{1, 2, 3}, sealed: true, metric: map[int64]float64{1: 1, 2: 2, 3: 3}}
	out, err := RunSeeds(ctx, r, Minimize, &Experiment{ID: 7, Code: "c"}, Standing{})
	if err != nil || *out.Mean != 2 || *out.Std != 1 || *out.Test != 2 || !out.Sealed || out.SeedsOK() != 3 {
		t.Fatalf("outcome %+v, %v; want mean 2, std 1, test 2, sealed", out, err)
	}
	r.sealed = false // seed 2 now runs unsealed
	if out, _ := RunSeeds(ctx, r, Minimize, &Experiment{}, Standing{}); out.Sealed {
		t.Fatal("one unsealed seed of three: the outcome must not be sealed")
	}
	if r.asked[2] != (SeedSpec{ExperimentID: 7, Code: "c", Seed: 3}) {
		t.Fatalf("third spec %+v", r.asked[2])
	}
	r = &seedRunner{seeds: []int64{1, 2, 3}, sealed: true, metric: map[int64]float64{1: 1}}
	out, _ = RunSeeds(ctx, r, Minimize, &Experiment{}, Standing{})
	if len(r.asked) != 2 || out.Failure != FailCrash || out.Excerpt != "boom" || out.Mean != nil || out.Sealed {
		t.Fatalf("a failed second seed: asked %d, outcome %+v; want stop there, failed, no mean, unsealed", len(r.asked), out)
	}
	best := Standing{BestID: 1, BestSeeds: []float64{1.5}} // no noise floor yet: the mean rule's drop
	r = &seedRunner{seeds: []int64{1, 2}, metric: map[int64]float64{1: 1, 2: 3}}
	if out, _ = RunSeeds(ctx, r, Maximize, &Experiment{}, best); len(out.Seeds) != 1 || *out.Mean != 1 {
		t.Fatalf("maximizing, first seed 1 below best 1.5: %d seeds, want the short-circuit after 1", len(out.Seeds))
	}
}

func TestRunOneInterrupted(t *testing.T) {
	st := &researchtest.MemStore{}
	e := &Experiment{Task: "t", Mode: ModeEval}
	err := RunOne(context.Background(), st, &seedRunner{seeds: []int64{1}, err: context.Canceled}, minimize, e)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	list, _ := st.List(context.Background(), "t", false)
	if e.Status != StatusInterrupted || e.Outcome.Failure != FailInterrupted || list[0].Status != StatusInterrupted {
		t.Fatalf("status %s failure %s recorded %s", e.Status, e.Outcome.Failure, list[0].Status)
	}
	lost := fmt.Errorf("%w: job 7: the controller has not answered", ErrLost)
	if err = RunOne(context.Background(), st, &seedRunner{seeds: []int64{1}, err: lost}, minimize, e); !errors.Is(err, ErrLost) ||
		e.Status != StatusInterrupted || e.Outcome.Failure != FailInterrupted {
		t.Fatalf("a seed the runner lost: %v, %s/%s; want interrupted", err, e.Status, e.Outcome.Failure)
	}
	err = RunOne(context.Background(), st, &seedRunner{seeds: []int64{1}, err: errors.New("disk full")}, minimize, e)
	if err == nil || e.Status != StatusFailed || e.Outcome.Failure != FailCrash || e.Outcome.Excerpt != "disk full" {
		t.Fatalf("runner error: %v, %s/%s %q", err, e.Status, e.Outcome.Failure, e.Outcome.Excerpt)
	}
}

func TestRunOneRefusesAChangedGoal(t *testing.T) {
	st := &researchtest.MemStore{}
	ctx := context.Background()
	_ = RunOne(ctx, st, constant(3, 1), minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	r := constant(3, 1)
	err := RunOne(ctx, st, r, Goal{Metric: "loss", Direction: Maximize}, &Experiment{Task: "t", Mode: ModeEval})
	if !errors.Is(err, ErrGoalChanged) || len(r.asked) != 0 {
		t.Fatalf("err = %v after %d seeds; want ErrGoalChanged before any run", err, len(r.asked))
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunSeedsHoldsTheRunnerToItsContract(t *testing.T) {
	nan := &seedRunner{seeds: []int64{1}, metric: map[int64]float64{1: math.NaN()}}
	out, err := RunSeeds(context.Background(), nan, Minimize, &Experiment{}, Standing{})
	if err != nil || out.Failure != FailDivergence || out.Mean != nil {
		t.Fatalf("a NaN metric reported OK: %+v, %v; want a divergence failure, no mean", out, err)
	}
	if _, err := RunSeeds(context.Background(), &seedRunner{}, Minimize, &Experiment{}, Standing{}); err == nil {
		t.Fatal("a plan without seeds ran; want an error")
	}
}

// finalRunner is a seedRunner that is also a Finalizer: it records which
// experiments it was asked to evaluate on test, scores test v+1, and can
// fail a seed there or fail to evaluate at all.
type finalRunner struct {
	*seedRunner
	tested, released []int64
	failSeed         int64
	err              error
}

func (f *finalRunner) Finalize(_ context.Context, id int64, seeds []SeedRun, test bool) error {
	f.released = append(f.released, id)
	if !test {
		return nil
	}
	f.tested = append(f.tested, id)
	for i := range seeds {
		v := *seeds[i].Metric + 1
		seeds[i].TestMetric = &v
		if seeds[i].Seed%FreshStride == f.failSeed {
			seeds[i].OK, seeds[i].Failure, seeds[i].Excerpt = false, FailTamper, "on the test split: sealed"
		}
	}
	return f.err
}

// TestOnlyFinalistsAreTested: the baseline and what beats the best are
// evaluated on test (the test mean from it), a discarded experiment is
// not; every experiment's seeds are let go; a seed that tampers on test
// fails its experiment; a runner that cannot evaluate fails it too.
func TestOnlyFinalistsAreTested(t *testing.T) {
	ctx := context.Background()
	st := &researchtest.MemStore{}
	run := func(mode Mode, f *finalRunner) *Experiment {
		t.Helper()
		e := &Experiment{Task: "t", Mode: mode, Code: "x"}
		if err := RunOne(ctx, st, f, minimize, e); !errors.Is(err, f.err) {
			t.Fatalf("RunOne: %v, want %v (a runner's error is the caller's to see)", err, f.err)
		}
		return e
	}
	for _, c := range []struct {
		mode   Mode
		f      *finalRunner
		want   Status
		tested bool
		test   float64
	}{
		{ModeBaseline, &finalRunner{seedRunner: constant(3, 1, 2)}, StatusKept, true, 4},
		{ModeEval, &finalRunner{seedRunner: constant(3.2, 1, 2)}, StatusDiscarded, false, 0},
		{ModeEval, &finalRunner{seedRunner: constant(2.8, 1, 2)}, StatusKept, true, 3.8},
		{ModeEval, &finalRunner{seedRunner: constant(2.5, 1, 2), failSeed: 2}, StatusFailed, true, 0},
		{ModeEval, &finalRunner{seedRunner: constant(2.4, 1, 2), err: errors.New("evaluator would not start")}, StatusFailed, true, 0},
	} {
		e := run(c.mode, c.f)
		if e.Status != c.want || (len(c.f.tested) == 1) != c.tested || len(c.f.released) != 1 || c.f.released[0] != e.ID {
			t.Fatalf("#%d (%s %g): %s, tested %v, released %v; want %s, tested %v", e.Seq, c.mode, *e.Outcome.Mean,
				e.Status, c.f.tested, c.f.released, c.want, c.tested)
		}
		if c.test > 0 && (e.Outcome.Test == nil || *e.Outcome.Test != c.test) {
			t.Fatalf("#%d: test mean %v, want %g", e.Seq, e.Outcome.Test, c.test)
		}
		if c.want == StatusFailed && e.Outcome.Excerpt == "" {
			t.Fatalf("#%d failed without saying why", e.Seq)
		}
	}
	if best, _ := st.Best(ctx, "t"); best.Seq != 3 {
		t.Fatalf("best is #%d, want #3 (what failed on test is not kept)", best.Seq)
	}
}

// table scores each seed from a map; a seed missing from it fails.
func table(seeds []int64, metric map[int64]float64) *seedRunner {
	return &seedRunner{seeds: seeds, metric: metric}
}

// TestMarginRuleSeeds: on a task whose baseline measured a noise floor,
// a change ahead of the best by less than the noise allows earns seeds
// after the planned ones (numbered after the plan's) up to the cap, and
// is discarded if still unclear; a change clearly ahead is kept on its
// planned seeds; a first seed a little behind the best (2.5 now) is not
// dropped, one far behind is; under --accept mean the same unclear change is kept on its
// planned seeds alone.
func TestMarginRuleSeeds(t *testing.T) {
	ctx := context.Background()
	st := &researchtest.MemStore{}
	base := table([]int64{1, 2}, map[int64]float64{1: 3.0, 2: 3.2, 3: 2.9, 4: 3.1, 5: 3.0}) // std 0.114
	base.plan = Plan{BaselineSeeds: 5}
	b := &Experiment{Task: "t", Mode: ModeBaseline}
	if err := RunOne(ctx, st, base, minimize, b); err != nil || len(base.asked) != 5 || b.SeedsPlanned != 5 {
		t.Fatalf("baseline: %v, ran %d seeds (planned %d); want 5", err, len(base.asked), b.SeedsPlanned)
	}
	for _, c := range []struct {
		name   string
		rule   AcceptRule
		metric map[int64]float64
		seeds  []int64
		want   Status
	}{
		{"unclear", AcceptMargin, map[int64]float64{1: 3.0, 2: 3.0, 3: 3.0, 4: 3.0}, []int64{1, 2, 3, 4}, StatusDiscarded},
		{"unclear, mean rule", AcceptMean, map[int64]float64{1: 3.0, 2: 3.0, 3: 3.0, 4: 3.0}, []int64{1, 2}, StatusKept},
		{"clear", AcceptMargin, map[int64]float64{1: 2.5, 2: 2.5}, []int64{1, 2}, StatusKept},
		{"a little behind", AcceptMargin, map[int64]float64{1: 2.55, 2: 2.55}, []int64{1, 2}, StatusDiscarded},
		{"far behind", AcceptMargin, map[int64]float64{1: 3.5, 2: 2.0}, []int64{1}, StatusDiscarded},
	} {
		r := table([]int64{1, 2}, c.metric)
		e := &Experiment{Task: "t", Mode: ModeEval, Rule: c.rule}
		if err := RunOne(ctx, st, r, minimize, e); err != nil {
			t.Fatal(err)
		}
		var asked []int64
		for _, s := range r.asked {
			asked = append(asked, s.Seed%FreshStride)
		}
		if e.Status != c.want || !slices.Equal(asked, c.seeds) || e.SeedsPlanned != 2 {
			t.Errorf("%s: %s after seeds %v (planned %d, at most %d); want %s after %v", c.name, e.Status, asked, e.SeedsPlanned, e.SeedsMax, c.want, c.seeds)
		}
	}
}

func TestPlanSeedsAfterThePlanned(t *testing.T) {
	p := Plan{Seeds: []int64{42, 44, 43}}
	var got []int64
	for i := range 6 {
		got = append(got, p.Seed(i))
	}
	if want := []int64{42, 44, 43, 45, 46, 47}; !slices.Equal(got, want) {
		t.Fatalf("seeds %v, want %v", got, want)
	}
	if got := (Plan{Seeds: []int64{7, 8}}).Seed(2); got != 9 {
		t.Fatalf("third seed after 7, 8: %d, want 9", got)
	}
}

// TestKeepsAreConfirmed: an experiment the margin rule keeps runs the
// plan's confirmation seeds (fresh: numbered after those it ran) and is
// recorded with them: its mean over every seed, the mean it was decided
// on, the confirmation's own mean. Baselines, discards and the mean rule
// run none.
func TestKeepsAreConfirmed(t *testing.T) {
	ctx := context.Background()
	st := &researchtest.MemStore{}
	base := table([]int64{1, 2}, map[int64]float64{1: 3.0, 2: 3.2, 3: 3.1})
	base.plan = Plan{BaselineSeeds: 3, ConfirmSeeds: 2}
	if err := RunOne(ctx, st, base, minimize, &Experiment{Task: "t", Mode: ModeBaseline}); err != nil || len(base.asked) != 3 {
		t.Fatalf("baseline: %v, %d seeds; want 3, no confirmation", err, len(base.asked))
	}
	r := table([]int64{1, 2}, map[int64]float64{1: 2.0, 2: 2.2, 3: 2.5, 4: 2.7})
	r.plan = Plan{ConfirmSeeds: 2}
	e := &Experiment{Task: "t", Mode: ModeImprove}
	if err := RunOne(ctx, st, r, minimize, e); err != nil {
		t.Fatal(err)
	}
	o := e.Outcome
	if e.Status != StatusKept || len(r.asked) != 4 || r.asked[2].Seed%FreshStride != 3 || r.asked[3].Seed%FreshStride != 4 || !o.Seeds[3].Confirm || o.Seeds[1].Confirm {
		t.Fatalf("%s after seeds %+v; want kept, then seeds 3 and 4 as confirmation", e.Status, o.Seeds)
	}
	if math.Abs(*o.First-2.1) > 1e-12 || math.Abs(*o.Confirmed-2.6) > 1e-12 || math.Abs(*o.Mean-2.35) > 1e-12 || e.SeedsDone != 4 {
		t.Fatalf("first %v, confirmed %v, mean %v; want 2.1, 2.6, 2.35 over 4 seeds", *o.First, *o.Confirmed, *o.Mean)
	}
	got, _ := st.List(ctx, "t", true)
	if g := got[1].Outcome; g.Confirmed == nil || *g.Confirmed != *o.Confirmed || len(g.Seeds) != 4 || got[1].Status != StatusKept {
		t.Fatalf("recorded %+v; want the confirmation with it, still kept", got[1])
	}
	for _, c := range []struct {
		rule   AcceptRule
		metric float64
	}{{AcceptMean, 1.0}, {AcceptMargin, 9.0}} {
		r := table([]int64{1, 2}, map[int64]float64{1: c.metric, 2: c.metric, 3: c.metric, 4: c.metric})
		r.plan = Plan{ConfirmSeeds: 2}
		e := &Experiment{Task: "t", Mode: ModeImprove, Rule: c.rule}
		if err := RunOne(ctx, st, r, minimize, e); err != nil || e.Outcome.Confirmed != nil || len(r.asked) > 2 {
			t.Fatalf("%s rule at %v: %s after %d seeds (%v); want no confirmation", c.rule, c.metric, e.Status, len(r.asked), err)
		}
	}
}

// TestExperimentsRunFreshSeeds: a baseline and the mean rule run the
// plan's seeds; an experiment under the margin rule runs its own, offset
// by its number, so that no two experiments share a seed's luck.
func TestExperimentsRunFreshSeeds(t *testing.T) {
	p := Plan{Seeds: []int64{42, 137}}
	for _, c := range []struct {
		e    Experiment
		want int64
	}{
		{Experiment{Seq: 1, Mode: ModeBaseline}, 137},
		{Experiment{Seq: 7, Mode: ModeImprove, Rule: AcceptMean}, 137},
		{Experiment{Seq: 7, Mode: ModeImprove, Rule: AcceptMargin}, 137 + 7*FreshStride},
		{Experiment{Seq: 8, Mode: ModeEval}, 137 + 8*FreshStride},
	} {
		if got := p.SeedOf(&c.e, 1); got != c.want {
			t.Errorf("%s #%d under %q: second seed %d, want %d", c.e.Mode, c.e.Seq, c.e.Rule, got, c.want)
		}
	}
	ctx := context.Background()
	st := &researchtest.MemStore{}
	_ = RunOne(ctx, st, constant(3, 1, 2), minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	r := constant(3, 1, 2)
	e := &Experiment{Task: "t", Mode: ModeEval}
	_ = RunOne(ctx, st, r, minimize, e)
	if e.Seq != 2 || r.asked[0].Seed != 1+2*FreshStride || e.Outcome.Seeds[0].Seed != r.asked[0].Seed {
		t.Fatalf("#%d ran seed %d, recorded %d; want %d", e.Seq, r.asked[0].Seed, e.Outcome.Seeds[0].Seed, 1+2*FreshStride)
	}
}

// TestSeedTakenByTheClusterInterrupts: a seed the cluster took away (a
// job cancelled, preempted past its retries) is no error: the experiment
// is recorded interrupted, not failed, and the loop may go on.
func TestSeedTakenByTheClusterInterrupts(t *testing.T) {
	st := &researchtest.MemStore{}
	e := &Experiment{Task: "t", Mode: ModeEval}
	r := interruptRunner{seedRunner{seeds: []int64{1, 2}}}
	if err := RunOne(context.Background(), st, &r, minimize, e); err != nil {
		t.Fatal(err)
	}
	list, _ := st.List(context.Background(), "t", false)
	if e.Status != StatusInterrupted || e.Outcome.Failure != FailInterrupted || list[0].Status != StatusInterrupted {
		t.Fatalf("status %s failure %s recorded %s, want interrupted", e.Status, e.Outcome.Failure, list[0].Status)
	}
}

type interruptRunner struct{ seedRunner }

func (r *interruptRunner) RunSeed(_ context.Context, s SeedSpec) (SeedRun, error) {
	return SeedRun{Seed: s.Seed, Failure: FailInterrupted, Excerpt: "Slurm job 7 ended CANCELLED"}, nil
}
