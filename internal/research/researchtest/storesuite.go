package researchtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
)

// StoreSuite checks that the stores open makes (each new and empty)
// honour research.Store's and research.LoopStore's contract.
func StoreSuite(t *testing.T, open func(t *testing.T) research.LoopStore) {
	cases := []struct {
		name string
		run  func(t *testing.T, s research.LoopStore)
	}{
		{"NumbersPerTask", numbersPerTask},
		{"DiffAgainstParent", diffAgainstParent},
		{"GoalIsKept", goalIsKept},
		{"DecisionsAndBest", decisionsAndBest},
		{"BestByMetricWhenMaximizing", bestMaximizing},
		{"BestByMetricNotLastKept", bestNotLastKept},
		{"DecideNeedsAGoal", decideNeedsGoal},
		{"OutcomeRoundTrip", outcomeRoundTrip},
		{"MarkInterrupted", markInterrupted},
		{"ConcurrentDecisions", concurrentDecisions},
		{"StandingAndNoiseFloor", standingAndNoise},
		{"ConfirmRoundTrip", confirmRoundTrip},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

var (
	bg      = context.Background()
	minimum = research.Goal{Metric: "loss", Direction: research.Minimize}
	maximum = research.Goal{Metric: "accuracy", Direction: research.Maximize}
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// create records a running experiment of task with code.
func create(t *testing.T, s research.Store, task, code string, parent *int64) *research.Experiment {
	t.Helper()
	e := &research.Experiment{Task: task, Mode: research.ModeEval, Code: code, ParentID: parent,
		Status: research.StatusRunning, TrainSeconds: 1, SeedsPlanned: 1}
	must(t, s.Create(bg, e))
	return e
}

// decide records e with a metric (nil: a failed seed) and has the store
// decide it.
func decide(t *testing.T, s research.Store, e *research.Experiment, metric *float64) {
	t.Helper()
	run := research.SeedRun{Seed: 1, OK: metric != nil, Metric: metric}
	e.Outcome = research.Outcome{Seeds: []research.SeedRun{run}, Mean: metric}
	if metric == nil {
		e.Outcome.Failure, e.Outcome.Seeds[0].Failure = research.FailCrash, research.FailCrash
	} else {
		e.Outcome.Std = new(float64)
	}
	e.SeedsDone = e.Outcome.SeedsOK()
	must(t, s.Decide(bg, e))
}

func numbersPerTask(t *testing.T, s research.LoopStore) {
	a1, a2, b1 := create(t, s, "a", "x", nil), create(t, s, "a", "y", nil), create(t, s, "b", "z", nil)
	if a1.Seq != 1 || a2.Seq != 2 || b1.Seq != 1 {
		t.Fatalf("numbers a: %d, %d; b: %d; want 1, 2; 1", a1.Seq, a2.Seq, b1.Seq)
	}
	if a1.ID == a2.ID || a1.ID == b1.ID || a1.CreatedAt.IsZero() {
		t.Fatalf("IDs %d %d %d, created %v: want distinct IDs and a creation time", a1.ID, a2.ID, b1.ID, a1.CreatedAt)
	}
	list, err := s.List(bg, "a", false)
	must(t, err)
	if len(list) != 2 || list[0].Seq != 1 || list[1].Seq != 2 || list[0].Status != research.StatusRunning {
		t.Fatalf("list of a = %+v, want #1 and #2 running, in order", list)
	}
}

func diffAgainstParent(t *testing.T, s research.LoopStore) {
	p := create(t, s, "a", "lr = 0.1\nsteps = 10\n", nil)
	c := create(t, s, "a", "lr = 0.2\nsteps = 10\n", &p.ID)
	if !strings.Contains(c.Diff, "-lr = 0.1") || !strings.Contains(c.Diff, "+lr = 0.2") {
		t.Fatalf("diff against the parent = %q", c.Diff)
	}
	list, err := s.List(bg, "a", false)
	must(t, err)
	if list[1].ParentSeq == nil || *list[1].ParentSeq != p.Seq || list[1].Code != "" {
		t.Fatalf("light list: parent number %v, code %q; want %d and no code", list[1].ParentSeq, list[1].Code, p.Seq)
	}
	must(t, s.Fill(bg, list))
	if list[1].Code != c.Code || list[1].Diff != c.Diff {
		t.Fatalf("filled: code %q diff %q", list[1].Code, list[1].Diff)
	}
}

func goalIsKept(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", maximum))
	must(t, s.SetGoal(bg, "a", minimum)) // no experiment yet: nothing was ranked by the first
	create(t, s, "a", "x", nil)
	must(t, s.SetGoal(bg, "a", minimum))
	must(t, s.SetGoal(bg, "b", maximum))
	for _, g := range []research.Goal{{Metric: "loss"}, {Direction: research.Minimize}} {
		if err := s.SetGoal(bg, "c", g); err == nil {
			t.Fatalf("goal %+v recorded; want an error (a goal needs a metric and a direction)", g)
		}
	}
	for _, g := range []research.Goal{maximum, {Metric: "other", Direction: research.Minimize}} {
		if err := s.SetGoal(bg, "a", g); !errors.Is(err, research.ErrGoalChanged) {
			t.Fatalf("goal %s after %s: err = %v, want ErrGoalChanged", g, minimum, err)
		}
	}
}

func f(v float64) *float64 { return &v }

func decisionsAndBest(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", minimum))
	if b, err := s.Best(bg, "a"); err != nil || b != nil {
		t.Fatalf("best of an empty task = %v, %v; want nil, nil", b, err)
	}
	steps := []struct {
		metric *float64
		want   research.Status
	}{{f(3), research.StatusKept}, {f(3.2), research.StatusDiscarded}, {f(2.8), research.StatusKept},
		{nil, research.StatusFailed}, {f(2.8), research.StatusDiscarded}, {f(2.9), research.StatusDiscarded}}
	for i, st := range steps {
		e := create(t, s, "a", "x", nil)
		decide(t, s, e, st.metric)
		if e.Status != st.want || e.FinishedAt == nil {
			t.Fatalf("step %d: status %s, finished %v; want %s and a finish time", i+1, e.Status, e.FinishedAt, st.want)
		}
	}
	b, err := s.Best(bg, "a")
	must(t, err)
	if b == nil || b.Seq != 3 || *b.Outcome.Mean != 2.8 {
		t.Fatalf("best = %+v, want #3 (2.8)", b)
	}
}

func bestMaximizing(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", maximum))
	for _, m := range []float64{0.5, 0.7, 0.6, 0.9, 0.8} {
		decide(t, s, create(t, s, "a", "x", nil), f(m))
	}
	b, err := s.Best(bg, "a")
	must(t, err)
	if b == nil || *b.Outcome.Mean != 0.9 || b.Seq != 4 {
		t.Fatalf("best = %+v, want #4 (0.9)", b)
	}
}

// bestNotLastKept: keeps recorded out of metric order (as an older rule
// left them) do not make the last kept the best.
func bestNotLastKept(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", minimum))
	for _, m := range []float64{3, 2, 2.5} {
		e := create(t, s, "a", "x", nil)
		e.Status, e.Outcome = research.StatusKept, research.Outcome{Mean: f(m)}
		must(t, s.Finish(bg, e))
	}
	b, err := s.Best(bg, "a")
	must(t, err)
	if b == nil || *b.Outcome.Mean != 2 {
		t.Fatalf("best = %s, want #2 (2): the best by metric, not the last kept", describe(b))
	}
}

func decideNeedsGoal(t *testing.T, s research.LoopStore) {
	e := create(t, s, "a", "x", nil)
	e.Outcome = research.Outcome{Mean: f(1)}
	if err := s.Decide(bg, e); err == nil {
		t.Fatal("Decide without a recorded goal succeeded; it cannot know which way is better")
	}
}

func outcomeRoundTrip(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", minimum))
	e := &research.Experiment{Task: "a", Mode: research.ModeEval, Code: "x", Status: research.StatusRunning, TrainSeconds: 30, BudgetSteps: 500, SeedsPlanned: 2}
	must(t, s.Create(bg, e))
	e.Outcome = research.Outcome{Mean: f(2), Std: f(0.5), Test: f(2.1), Sealed: true, Seeds: []research.SeedRun{
		{Seed: 1, OK: true, Metric: f(1.5), Loss: []research.LossPoint{{Step: 1, Loss: 3}}, Sealed: true}, {Seed: 2, OK: true, Metric: f(2.5)}}}
	e.SeedsDone = e.Outcome.SeedsOK()
	must(t, s.Decide(bg, e))
	list, err := s.List(bg, "a", true)
	must(t, err)
	got := list[0]
	o := got.Outcome
	if got.Status != research.StatusKept || got.SeedsDone != 2 || *o.Mean != 2 || *o.Std != 0.5 || *o.Test != 2.1 || !o.Sealed ||
		got.Budget() != (research.Budget{Seconds: 30, Steps: 500}) {
		t.Fatalf("recorded %+v / %+v", got, o)
	}
	if len(o.Seeds) != 2 || o.Seeds[1].Seed != 2 || len(o.Seeds[0].Loss) != 1 || !o.Seeds[0].Sealed || o.Seeds[1].Sealed || got.FinishedAt == nil {
		t.Fatalf("seed runs %+v, finished %v", o.Seeds, got.FinishedAt)
	}
}

func markInterrupted(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", minimum))
	create(t, s, "a", "x", nil)
	decide(t, s, create(t, s, "a", "x", nil), f(1))
	create(t, s, "b", "x", nil)
	n, err := s.MarkInterrupted(bg, "a")
	must(t, err)
	list, _ := s.List(bg, "a", false)
	if n != 1 || list[0].Status != research.StatusInterrupted || list[1].Status != research.StatusKept {
		t.Fatalf("marked %d, statuses %s %s; want 1, interrupted kept", n, list[0].Status, list[1].Status)
	}
	other, _ := s.List(bg, "b", false)
	if other[0].Status != research.StatusRunning {
		t.Fatalf("another task's experiment became %s", other[0].Status)
	}
}

// concurrentDecisions creates every experiment first, then decides them
// from several goroutines in a random order: each kept experiment must
// beat every one kept before it, and the best is the best by metric.
func concurrentDecisions(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "a", minimum))
	rng := rand.New(rand.NewPCG(5, 9)) //nolint:gosec // G404: test data, reproducible on purpose
	var exps []*research.Experiment
	for range 60 {
		e := create(t, s, "a", "x", nil)
		m := rng.Float64()
		e.Outcome = research.Outcome{Mean: &m, Std: new(float64)}
		exps = append(exps, e)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(exps); i += 4 {
				if err := s.Decide(bg, exps[i]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	CheckKeeps(t, s, "a", research.Minimize, 2)
}

// CheckKeeps checks the invariant over a task's whole history in
// finishing order (KeepViolations) and that the store's best is the best
// kept by metric. It fails when fewer than minKept experiments were kept.
func CheckKeeps(t *testing.T, s research.LoopStore, task string, d research.Direction, minKept int) {
	t.Helper()
	list, err := s.List(bg, task, false)
	must(t, err)
	bad, best, kept := KeepViolations(list, d)
	for _, b := range bad {
		t.Error(b)
	}
	if kept < minKept {
		t.Fatalf("%d of %d kept: the history does not exercise the rule", kept, len(list))
	}
	got, err := s.Best(bg, task)
	must(t, err)
	if got == nil || got.ID != best.ID {
		t.Fatalf("store's best = %s, want #%d (%.4f)", describe(got), best.Seq, *best.Outcome.Mean)
	}
}

// KeepViolations lists, in finishing order, every kept experiment that
// did not beat the best of those kept before it finished, and returns
// the best kept by metric and how many were kept. An experiment without
// a finish time is a violation too.
func KeepViolations(list []research.Experiment, d research.Direction) (bad []string, best *research.Experiment, kept int) {
	list = slices.Clone(list)
	for _, e := range list {
		if e.FinishedAt == nil {
			bad = append(bad, fmt.Sprintf("#%d (%s) has no finish time", e.Seq, e.Status))
		}
	}
	if len(bad) > 0 {
		return bad, nil, 0
	}
	slices.SortStableFunc(list, func(a, b research.Experiment) int { return a.FinishedAt.Compare(*b.FinishedAt) })
	for i := range list {
		e := &list[i]
		if e.Status != research.StatusKept {
			continue
		}
		if kept++; best != nil && !d.Better(*e.Outcome.Mean, *best.Outcome.Mean) {
			bad = append(bad, fmt.Sprintf("#%d kept with %.4f, not better than #%d's %.4f kept before it finished",
				e.Seq, *e.Outcome.Mean, best.Seq, *best.Outcome.Mean))
		}
		if best == nil || d.Ahead(e, best) {
			best = e
		}
	}
	return bad, best, kept
}

func describe(e *research.Experiment) string {
	if e == nil {
		return "none"
	}
	return fmt.Sprintf("#%d (%v)", e.Seq, e.Outcome.Mean)
}

// seeded has the store decide a new experiment of mode with one seed per
// metric (nil: that seed failed, and the experiment with it); seeds from
// the confirmFrom-th on (0: none) are confirmation seeds.
func seeded(t *testing.T, s research.Store, mode research.Mode, confirmFrom int, metrics ...*float64) *research.Experiment {
	t.Helper()
	e := &research.Experiment{Task: "n", Mode: mode, Rule: research.AcceptMean, Code: "x", Status: research.StatusRunning, TrainSeconds: 1, SeedsPlanned: 1}
	must(t, s.Create(bg, e))
	for i, m := range metrics {
		run := research.SeedRun{Seed: int64(i + 1), OK: m != nil, Metric: m, Confirm: confirmFrom > 0 && i+1 >= confirmFrom}
		if m == nil {
			run.Failure, e.Outcome.Failure = research.FailCrash, research.FailCrash
		}
		e.Outcome.Seeds = append(e.Outcome.Seeds, run)
	}
	if e.Outcome.Failure == "" {
		mean, std := research.MeanStd(e.Outcome.Metrics())
		e.Outcome.Mean, e.Outcome.Std = &mean, &std
	}
	e.SeedsDone = e.Outcome.SeedsOK()
	must(t, s.Decide(bg, e))
	return e
}

// standingAndNoise: the standing names the best with its seed metrics and
// pools the noise floor over what was not selected for looking good: the
// baselines' seeds and the kept experiments' confirmation seeds (not a
// kept one's decided seeds, a discarded one's or a failed one's).
func standingAndNoise(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "n", minimum))
	st, err := s.Standing(bg, "n")
	if err != nil || st.BestID != 0 || st.Noise.DF != 0 {
		t.Fatalf("an empty task's standing %+v, %v; want none", st, err)
	}
	seeded(t, s, research.ModeBaseline, 0, f(1), f(3))
	seeded(t, s, research.ModeEval, 0, f(5), f(25))    // discarded: its spread is not the floor's
	seeded(t, s, research.ModeBaseline, 0, f(9), nil)  // failed
	seeded(t, s, research.ModeEval, 0, f(0.1), f(1.9)) // kept on seeds it was selected on
	kept := seeded(t, s, research.ModeEval, 3, f(0.5), f(0.7), f(0.8), f(1.0))
	st, err = s.Standing(bg, "n")
	must(t, err)
	want := research.PooledNoise([]float64{1, 3}, []float64{0.8, 1.0})
	if st.BestID != kept.ID || math.Abs(*st.BestMean-0.75) > 1e-12 || !slices.Equal(st.BestSeeds, []float64{0.5, 0.7, 0.8, 1.0}) {
		t.Fatalf("standing %+v; want best #%d with seeds 0.5, 0.7, 0.8, 1.0", st, kept.Seq)
	}
	if st.Noise.DF != want.DF || math.Abs(st.Noise.Std-want.Std) > 1e-12 {
		t.Fatalf("noise floor %+v, want %+v (the baseline's seeds and the keep's confirmation)", st.Noise, want)
	}
	list, err := s.List(bg, "n", false)
	must(t, err)
	if a := list[4].AgainstSeq; list[0].AgainstSeq != nil || a == nil || *a != list[3].Seq {
		t.Fatalf("judged against %v and %v; want none for the first, #%d for the last", list[0].AgainstSeq, a, list[3].Seq)
	}
}

// confirmRoundTrip: the mean an experiment was first found to be kept on,
// its confirmation seeds and their mean are recorded with it.
func confirmRoundTrip(t *testing.T, s research.LoopStore) {
	must(t, s.SetGoal(bg, "n", minimum))
	e := create(t, s, "n", "x", nil)
	e.Outcome = research.Outcome{Mean: f(4), Std: f(2), First: f(3), Confirmed: f(6), Seeds: []research.SeedRun{
		{Seed: 1, OK: true, Metric: f(2)}, {Seed: 2, OK: true, Metric: f(4)}, {Seed: 9, OK: true, Metric: f(6), Confirm: true}}}
	e.SeedsDone = 3
	must(t, s.Decide(bg, e))
	list, err := s.List(bg, "n", true)
	must(t, err)
	o := list[0].Outcome
	if list[0].Status != research.StatusKept || *o.First != 3 || *o.Mean != 4 || *o.Confirmed != 6 || len(o.Seeds) != 3 || !o.Seeds[2].Confirm ||
		o.Seeds[0].Confirm {
		t.Fatalf("recorded %s, first %v, mean %v, confirmed %v, seeds %+v", list[0].Status, o.First, o.Mean, o.Confirmed, o.Seeds)
	}
}
