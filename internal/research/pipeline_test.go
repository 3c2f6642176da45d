package research

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

// memStore is an in-memory Store that follows the contract. It keeps
// copies, as a real store does; decided lists IDs in decision order.
type memStore struct {
	exps     []*Experiment
	decided  []int64
	finished int
}

// Best is the last kept experiment in decision order; those recorded kept
// without a decision come after, last number first (as in sqlite).
func (m *memStore) Best(_ context.Context, task string) (*Experiment, error) {
	order := slices.Clone(m.decided)
	for i := len(m.exps); i >= 1; i-- {
		if !slices.Contains(m.decided, int64(i)) {
			order = slices.Insert(order, 0, int64(i))
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		if e := m.exps[order[i]-1]; e.Task == task && e.Status == StatusKept {
			c := *e
			return &c, nil
		}
	}
	return nil, nil
}

func (m *memStore) Decide(ctx context.Context, e *Experiment, d Direction) error {
	var best *float64
	if b, _ := m.Best(ctx, e.Task); b != nil {
		best = b.Outcome.Mean
	}
	Conclude(e, d, best)
	m.decided = append(m.decided, e.ID)
	return m.Finish(ctx, e)
}

func (m *memStore) Create(_ context.Context, e *Experiment) error {
	e.ID, e.Seq = int64(len(m.exps)+1), int64(len(m.exps)+1)
	c := *e
	m.exps = append(m.exps, &c)
	return nil
}

func (m *memStore) Finish(_ context.Context, e *Experiment) error {
	m.finished++
	c := *e
	m.exps[e.ID-1] = &c
	return nil
}

// fixedRunner returns a canned outcome and remembers the best it was given.
type fixedRunner struct {
	out      Outcome
	err      error
	gotBest  *float64
	runCalls int
}

func (f *fixedRunner) Plan() (float64, int) { return 30, 2 }

func (f *fixedRunner) Run(_ context.Context, _ string, best *float64) (Outcome, error) {
	f.runCalls++
	f.gotBest = best
	return f.out, f.err
}

func metric(v float64) Outcome { return Outcome{Mean: &v, Std: new(float64)} }

func TestRunOneDecisions(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	steps := []struct {
		mode Mode
		out  Outcome
		want Status
	}{
		{ModeBaseline, metric(3.0), StatusKept},
		{ModeEval, metric(3.2), StatusDiscarded},
		{ModeEval, metric(2.8), StatusKept},
		{ModeEval, Outcome{Failure: FailSyntax, Excerpt: "SyntaxError"}, StatusFailed},
		{ModeBaseline, metric(2.9), StatusDiscarded},
	}
	for i, s := range steps {
		e := &Experiment{Task: "t", Mode: s.mode, Code: "x"}
		if err := RunOne(ctx, st, &fixedRunner{out: s.out}, Minimize, e); err != nil {
			t.Fatal(err)
		}
		if e.Status != s.want {
			t.Fatalf("step %d: status %s, want %s", i+1, e.Status, s.want)
		}
	}
	if best, _ := st.Best(ctx, "t"); best.Seq != 3 {
		t.Fatalf("best is #%d, want #3", best.Seq)
	}
	if st.finished != len(steps) {
		t.Fatalf("finished %d, want %d", st.finished, len(steps))
	}
}

func TestRunOneGivesBestToRunnerExceptForBaselines(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	_ = RunOne(ctx, st, &fixedRunner{out: metric(3)}, Minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	r := &fixedRunner{out: metric(4)}
	e := &Experiment{Task: "t", Mode: ModeEval}
	_ = RunOne(ctx, st, r, Minimize, e)
	if r.gotBest == nil || *r.gotBest != 3 {
		t.Fatalf("eval run got best %v, want 3", r.gotBest)
	}
	if e.ParentID == nil || *e.ParentID != 1 {
		t.Fatalf("eval parent = %v, want the best (#1)", e.ParentID)
	}
	r = &fixedRunner{out: metric(4)}
	_ = RunOne(ctx, st, r, Minimize, &Experiment{Task: "t", Mode: ModeBaseline})
	if r.gotBest != nil {
		t.Fatal("a baseline must run every seed (no short-circuit)")
	}
}

func TestRunOneInterrupted(t *testing.T) {
	st := &memStore{}
	e := &Experiment{Task: "t", Mode: ModeEval}
	err := RunOne(context.Background(), st, &fixedRunner{err: context.Canceled}, Minimize, e)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if e.Status != StatusInterrupted || e.Outcome.Failure != FailInterrupted || st.finished != 1 {
		t.Fatalf("status %s failure %s finished %d", e.Status, e.Outcome.Failure, st.finished)
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
