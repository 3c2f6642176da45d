package research_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	. "github.com/autoresearch/autoresearch/internal/research" //nolint:revive,staticcheck // the package's own vocabulary, read unqualified
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

// loopStore is the in-memory store that counts MarkInterrupted calls.
type loopStore struct {
	researchtest.MemStore
	interrupted int
}

func (s *loopStore) MarkInterrupted(ctx context.Context, task string) (int, error) {
	s.interrupted++
	return s.MemStore.MarkInterrupted(ctx, task)
}

// exps lists the task's experiments as recorded.
func (s *loopStore) exps(t *testing.T) []Experiment {
	t.Helper()
	list, err := s.List(context.Background(), "t", true)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// metricRunner scores a script by the number after "m=" in it.
type metricRunner struct{}

func (metricRunner) Plan() Plan { return Plan{TrainSeconds: 1, Seeds: []int64{1}} }
func (metricRunner) RunSeed(_ context.Context, s SeedSpec) (SeedRun, error) {
	var m float64
	i := strings.Index(s.Code, "m=")
	if i < 0 {
		return SeedRun{Seed: s.Seed, Failure: FailCrash, Excerpt: "no metric"}, nil
	}
	if _, err := fmt.Sscanf(s.Code[i+2:], "%g", &m); err != nil {
		return SeedRun{Seed: s.Seed, Failure: FailCrash, Excerpt: err.Error()}, nil
	}
	return SeedRun{Seed: s.Seed, OK: true, Metric: &m}, nil
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
	return &Loop{Task: "t", Goal: minimize, Store: st, Runner: metricRunner{}, Proposer: p,
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
	exps := st.exps(t)
	if len(exps) != len(want) {
		t.Fatalf("%d experiments, want %d", len(exps), len(want))
	}
	for i, w := range want {
		e := exps[i]
		if e.Status != w.status || e.Outcome.Failure != w.kind {
			t.Errorf("#%d: %s/%s, want %s/%s", i+1, e.Status, e.Outcome.Failure, w.status, w.kind)
		}
	}
	if exps[0].Mode != ModeBaseline || *exps[2].ParentID != 1 || *exps[3].ParentID != 3 {
		t.Errorf("modes/parents wrong: %v %v %v", exps[0].Mode, *exps[2].ParentID, *exps[3].ParentID)
	}
	if exps[4].Cost.USD != 0.25 || sum.SpentUSD != 1.75 || sum.Kept != 2 || sum.Failed != 2 || st.interrupted != 1 {
		t.Errorf("summary %+v, last cost %v, interrupted calls %d", sum, exps[4].Cost.USD, st.interrupted)
	}
}

func TestLoopSkipsBaselineWhenPresentAndStopsOnBudget(t *testing.T) {
	st := &loopStore{}
	_ = RunOne(context.Background(), st, metricRunner{}, minimize, &Experiment{Task: "t", Mode: ModeBaseline, Code: "m=3"})
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(5)}}
	sum, err := newLoop(st, p, Limits{BudgetUSD: 1.2}).Run(context.Background(), "m=3\n")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Experiments != 3 || len(st.exps(t)) != 4 { // 0.5 + 0.5 + 0.5 crosses 1.2 on the third
		t.Fatalf("ran %d (%d recorded), want 3 proposals after the existing baseline", sum.Experiments, len(st.exps(t)))
	}
}

func TestLoopStopsOnFatalProposerError(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){func(Request) (Proposal, error) {
		return Proposal{}, fmt.Errorf("401 invalid x-api-key: %w", ErrFatal)
	}}}
	_, err := newLoop(st, p, Limits{MaxExperiments: 50}).Run(context.Background(), "m=3\n")
	if !errors.Is(err, ErrFatal) || len(st.exps(t)) != 2 {
		t.Fatalf("err %v after %d experiments; want ErrFatal after baseline + 1", err, len(st.exps(t)))
	}
}

func TestLoopWorkersRunConcurrently(t *testing.T) {
	st := &loopStore{}
	p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(2.5)}}
	l := newLoop(st, p, Limits{MaxExperiments: 12})
	l.Workers = 4
	sum, err := l.Run(context.Background(), "m=3\n")
	if err != nil || sum.Experiments != 13 || len(st.exps(t)) != 13 {
		t.Fatalf("err %v, %d experiments recorded, summary %+v", err, len(st.exps(t)), sum)
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

// budgetRunner is metricRunner under another budget.
type budgetRunner struct {
	metricRunner
	budget Budget
}

func (r budgetRunner) Plan() Plan {
	p := r.metricRunner.Plan()
	p.TrainSeconds, p.BudgetSteps = r.budget.Seconds, r.budget.Steps
	return p
}

// TestBudgetChangeIsRefused: once a task has a best, an experiment or a
// loop under another budget (a step budget for a time one, other seconds)
// is refused before anything runs or is proposed, saying what to run
// instead; under the best's budget it runs, and records that budget.
func TestBudgetChangeIsRefused(t *testing.T) {
	ctx := context.Background()
	st := &loopStore{}
	if err := RunOne(ctx, st, metricRunner{}, minimize, &Experiment{Task: "t", Mode: ModeBaseline, Code: "m=3"}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []Budget{{Seconds: 1, Steps: 50}, {Seconds: 2}} {
		err := RunOne(ctx, st, budgetRunner{budget: b}, minimize, &Experiment{Task: "t", Mode: ModeEval, Code: "m=1"})
		if !errors.Is(err, ErrBudgetChanged) || !strings.Contains(err.Error(), "run with --train-seconds 1 and no --budget-steps,") {
			t.Fatalf("budget %s: err = %v, want ErrBudgetChanged naming the best's flags", b, err)
		}
		p := &scriptedProposer{answers: []func(Request) (Proposal, error){code(1)}}
		l := newLoop(st, p, Limits{MaxExperiments: 1})
		l.Runner = budgetRunner{budget: b}
		if _, err := l.Run(ctx, "m=3\n"); !errors.Is(err, ErrBudgetChanged) || len(p.reqs) != 0 {
			t.Fatalf("loop under %s: err = %v after %d proposals, want ErrBudgetChanged before any", b, err, len(p.reqs))
		}
	}
	if n := len(st.exps(t)); n != 1 {
		t.Fatalf("%d experiments recorded, want the baseline alone", n)
	}
	e := &Experiment{Task: "t", Mode: ModeEval, Code: "m=1"}
	if err := RunOne(ctx, st, metricRunner{}, minimize, e); err != nil || e.Status != StatusKept || e.Budget() != (Budget{Seconds: 1}) {
		t.Fatalf("under the best's budget: %v, %s, budget %s", err, e.Status, e.Budget())
	}
}

// TestStepBudgetCeilingCounts: a step budget's ceiling is part of it
// (work without gradient steps grows with it): 50 steps within 5 s after
// 50 within 1 s is refused, with the flags of both.
func TestStepBudgetCeilingCounts(t *testing.T) {
	ctx := context.Background()
	st := &loopStore{}
	steps := func(secs float64, n int) Runner { return budgetRunner{budget: Budget{Seconds: secs, Steps: n}} }
	if err := RunOne(ctx, st, steps(1, 50), minimize, &Experiment{Task: "t", Mode: ModeBaseline, Code: "m=3"}); err != nil {
		t.Fatal(err)
	}
	err := RunOne(ctx, st, steps(5, 50), minimize, &Experiment{Task: "t", Mode: ModeEval, Code: "m=1"})
	if !errors.Is(err, ErrBudgetChanged) || !strings.Contains(err.Error(), "run with --train-seconds 1 --budget-steps 50,") {
		t.Fatalf("50 steps within 5 s after 50 within 1 s: %v, want ErrBudgetChanged naming both flags", err)
	}
	e := &Experiment{Task: "t", Mode: ModeEval, Code: "m=1"}
	if err := RunOne(ctx, st, steps(1, 50), minimize, e); err != nil || e.Budget() != (Budget{Seconds: 1, Steps: 50}) {
		t.Fatalf("under the best's budget: %v, budget %s", err, e.Budget())
	}
}
