package research

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// loopStore is a concurrency-safe in-memory LoopStore.
type loopStore struct {
	mu sync.Mutex
	memStore
	interrupted int
}

func (s *loopStore) Best(ctx context.Context, task string) (*Experiment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.Best(ctx, task)
}

func (s *loopStore) Create(ctx context.Context, e *Experiment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.Create(ctx, e)
}

func (s *loopStore) Finish(ctx context.Context, e *Experiment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.Finish(ctx, e)
}

func (s *loopStore) Decide(ctx context.Context, e *Experiment, d Direction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.Decide(ctx, e, d)
}

func (s *loopStore) List(_ context.Context, task string, _ bool) ([]Experiment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Experiment
	for _, e := range s.exps {
		if e.Task == task {
			light := *e
			light.Code, light.Diff = "", "" // as the real store's light list
			out = append(out, light)
		}
	}
	return out, nil
}

func (s *loopStore) Fill(_ context.Context, list []Experiment) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range list {
		for _, e := range s.exps {
			if e.ID == list[i].ID {
				list[i].Code, list[i].Diff = e.Code, e.Diff
			}
		}
	}
	return nil
}

func (s *loopStore) MarkInterrupted(context.Context, string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interrupted++
	return 0, nil
}

// metricRunner scores a script by the number after "m=" in it.
type metricRunner struct{}

func (metricRunner) Plan() (float64, int) { return 1, 1 }
func (metricRunner) Run(_ context.Context, code string, _ *float64) (Outcome, error) {
	var m float64
	if _, err := fmt.Sscanf(code[strings.Index(code, "m=")+2:], "%g", &m); err != nil {
		return Outcome{Failure: FailCrash, Excerpt: err.Error()}, nil
	}
	return metric(m), nil
}

// scriptedProposer returns its answers in order, recording requests.
type scriptedProposer struct {
	mu      sync.Mutex
	answers []func(Request) (Proposal, error)
	reqs    []Request
}

func (p *scriptedProposer) Propose(_ context.Context, req Request) (Proposal, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reqs = append(p.reqs, req)
	f := p.answers[0]
	if len(p.answers) > 1 {
		p.answers = p.answers[1:]
	}
	return f(req)
}

func code(m float64) func(Request) (Proposal, error) {
	return func(Request) (Proposal, error) {
		return Proposal{Code: fmt.Sprintf("m=%g\n", m), Description: fmt.Sprint(m), Category: CategoryOther,
			Cost: Cost{USD: 0.5, InputTokens: 10}}, nil
	}
}

type rejectValidator struct{ bad string }

func (v rejectValidator) Validate(_ context.Context, code string) error {
	if v.bad != "" && strings.Contains(code, v.bad) {
		return &Rejection{Kind: FailValidation, Reason: "contains " + v.bad}
	}
	return nil
}

func newLoop(st *loopStore, p Proposer, lim Limits) *Loop {
	return &Loop{Task: "t", Direction: Minimize, Store: st, Runner: metricRunner{}, Proposer: p,
		Validator: rejectValidator{bad: "m=666"}, Strategy: DefaultStrategy(rand.New(rand.NewPCG(1, 2))), Limits: lim, Workers: 1}
}

func TestLoopRunsBaselineThenProposals(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){
		code(4), code(2), code(666), func(Request) (Proposal, error) {
			return Proposal{}, &ProposalError{Err: errors.New("no JSON in the answer"), Cost: Cost{USD: 0.25}}
		}, code(1),
	}}
	sum, err := newLoop(st, p, Limits{MaxExperiments: 4}).Run(context.Background(), "m=3\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status Status
		kind   FailureKind
	}{{StatusKept, ""}, {StatusDiscarded, ""}, {StatusKept, ""}, {StatusFailed, FailValidation}, {StatusFailed, FailProposal}}
	if len(st.exps) != len(want) {
		t.Fatalf("%d experiments, want %d", len(st.exps), len(want))
	}
	for i, w := range want {
		e := st.exps[i]
		if e.Status != w.status || e.Outcome.Failure != w.kind {
			t.Errorf("#%d: %s/%s, want %s/%s", i+1, e.Status, e.Outcome.Failure, w.status, w.kind)
		}
	}
	if st.exps[0].Mode != ModeBaseline || *st.exps[2].ParentID != 1 || *st.exps[3].ParentID != 3 {
		t.Errorf("modes/parents wrong: %v %v %v", st.exps[0].Mode, *st.exps[2].ParentID, *st.exps[3].ParentID)
	}
	if st.exps[4].Cost.USD != 0.25 || sum.SpentUSD != 1.75 || sum.Kept != 2 || sum.Failed != 2 || st.interrupted != 1 {
		t.Errorf("summary %+v, last cost %v, interrupted calls %d", sum, st.exps[4].Cost.USD, st.interrupted)
	}
}

func TestLoopSkipsBaselineWhenPresentAndStopsOnBudget(t *testing.T) {
	st := &loopStore{}
	_ = RunOne(context.Background(), st, metricRunner{}, Minimize, &Experiment{Task: "t", Mode: ModeBaseline, Code: "m=3"})
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(5)}}
	sum, err := newLoop(st, p, Limits{BudgetUSD: 1.2}).Run(context.Background(), "m=3\n")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Experiments != 3 || len(st.exps) != 4 { // 0.5 + 0.5 + 0.5 crosses 1.2 on the third
		t.Fatalf("ran %d (%d recorded), want 3 proposals after the existing baseline", sum.Experiments, len(st.exps))
	}
}

func TestLoopStopsOnFatalProposerError(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){func(Request) (Proposal, error) {
		return Proposal{}, fmt.Errorf("401 invalid x-api-key: %w", ErrFatal)
	}}}
	_, err := newLoop(st, p, Limits{MaxExperiments: 50}).Run(context.Background(), "m=3\n")
	if !errors.Is(err, ErrFatal) || len(st.exps) != 2 {
		t.Fatalf("err %v after %d experiments; want ErrFatal after baseline + 1", err, len(st.exps))
	}
}

func TestLoopWorkersRunConcurrently(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(2.5)}}
	l := newLoop(st, p, Limits{MaxExperiments: 12})
	l.Workers = 4
	sum, err := l.Run(context.Background(), "m=3\n")
	if err != nil || sum.Experiments != 13 || len(st.exps) != 13 {
		t.Fatalf("err %v, %d experiments recorded, summary %+v", err, len(st.exps), sum)
	}
}

func TestLoopNeedsAKeptExperiment(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(1)}}
	_, err := newLoop(st, p, Limits{MaxExperiments: 1}).Run(context.Background(), "no metric here")
	if err == nil || !strings.Contains(err.Error(), "baseline") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoopCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newLoop(&loopStore{}, &scriptedProposer{answers: []func(Request) (Proposal, error){code(1)}}, Limits{}).Run(ctx, "m=3")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
