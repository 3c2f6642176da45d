package research

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Request is what a proposer is asked for.
type Request struct {
	Task       string
	Parent     Experiment
	Mode       Mode
	Candidates []Experiment // best first
	Recent     []Experiment // the most recent experiments, newest last
}

// Proposal is a proposer's answer: a complete script and what it tries.
type Proposal struct {
	Code        string
	Description string
	Hypothesis  string
	Category    Category
	Cost        Cost
}

// Proposer writes the next script. An error is recorded as a `proposal`
// failure and the loop goes on, unless it wraps ErrFatal (a bad API key,
// an unknown model), which stops the loop. Cost is recorded even when the
// proposal fails.
type Proposer interface {
	Propose(ctx context.Context, req Request) (Proposal, error)
}

// ProposalError is a proposer's failure that still cost something.
type ProposalError struct {
	Err  error
	Cost Cost
}

func (e *ProposalError) Error() string { return e.Err.Error() }
func (e *ProposalError) Unwrap() error { return e.Err }

// ErrFatal marks proposer errors that no retry can fix.
var ErrFatal = errors.New("fatal proposer error")

// ErrLost marks a runner error where the runner lost track of a seed (a
// cluster's controller that stopped answering): the experiment is
// recorded interrupted, not failed, since the script is not to blame.
var ErrLost = errors.New("the runner lost the seed")

// Validator checks a script before it costs a run. It returns a
// *Rejection when the script cannot work or must not run.
type Validator interface {
	Validate(ctx context.Context, code string) error
}

// Rejection is a validator's verdict: the failure kind (syntax or
// validation) and why.
type Rejection struct {
	Kind   FailureKind
	Reason string
}

func (r *Rejection) Error() string { return fmt.Sprintf("%s: %s", r.Kind, r.Reason) }

// LoopStore is the store as the loop uses it.
type LoopStore interface {
	Store
	// List returns the task's experiments in order, without code unless full.
	List(ctx context.Context, task string, full bool) ([]Experiment, error)
	// Fill loads the code (and diff and seed runs) of the given experiments.
	Fill(ctx context.Context, list []Experiment) error
	MarkInterrupted(ctx context.Context, task string) (int, error)
}

// Limits stop the loop. Zero means no limit.
type Limits struct {
	MaxExperiments int
	MaxDuration    time.Duration
	BudgetUSD      float64
}

// Stage is where an experiment of the loop stands, as LoopEvent reports.
type Stage string

// Stages, in order.
const (
	StageProposing  Stage = "proposing"
	StageValidating Stage = "validating"
	StageRunning    Stage = "running"
	StageDone       Stage = "done"
)

// LoopEvent reports the loop's progress.
type LoopEvent struct {
	Stage      Stage
	Experiment *Experiment
	ParentSeq  int64 // the parent's number within the task (0: none)
	Worker     int
}

// Loop proposes, checks, runs and records experiments until a limit is
// reached or ctx is cancelled.
type Loop struct {
	Task      string
	Goal      Goal
	Store     LoopStore
	Runner    Runner
	Proposer  Proposer
	Validator Validator
	Strategy  Strategy
	Limits    Limits
	Workers   int
	Recent    int        // how many recent experiments a request carries
	Accept    AcceptRule // how its experiments are judged ("": AcceptMargin)
	OnEvent   func(LoopEvent)

	mu      sync.Mutex
	started int
	spent   float64
	begin   time.Time
	fatal   error
}

// Summary is what a loop run did.
type Summary struct {
	Experiments, Kept, Discarded, Failed, Interrupted int
	SpentUSD                                          float64
}

// Run runs the task's baseline first when it has none, then keeps up to
// Workers experiments in flight until a limit is reached. Experiments left
// running by an earlier process are marked interrupted first, and the
// task's goal and the runner's budget are checked against those
// recorded before anything is spent. It returns
// ctx's error when cancelled, and the proposer's error when it was fatal.
func (l *Loop) Run(ctx context.Context, baseline string) (Summary, error) {
	if err := l.Store.SetGoal(ctx, l.Task, l.Goal); err != nil {
		return Summary{}, err
	}
	if err := CheckBudget(ctx, l.Store, l.Task, l.Runner.Plan().Budget()); err != nil {
		return Summary{}, err
	}
	if _, err := l.Store.MarkInterrupted(ctx, l.Task); err != nil {
		return Summary{}, err
	}
	l.begin = time.Now()
	var sum Summary
	if err := l.ensureBaseline(ctx, baseline, &sum); err != nil {
		return sum, err
	}
	var wg sync.WaitGroup
	errs := make([]error, max(1, l.Workers))
	for w := range errs {
		wg.Go(func() { errs[w] = l.worker(ctx, w, &sum) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return sum, err
	}
	return sum, l.fatal
}

func (l *Loop) ensureBaseline(ctx context.Context, code string, sum *Summary) error {
	list, err := l.Store.List(ctx, l.Task, false)
	if err != nil {
		return err
	}
	for _, e := range list {
		if e.Mode == ModeBaseline && e.Status != StatusInterrupted {
			return nil
		}
	}
	e := &Experiment{Task: l.Task, Mode: ModeBaseline, Category: CategoryOther, Description: "baseline", Code: code, Rule: l.Accept}
	l.emit(LoopEvent{Stage: StageRunning, Experiment: e})
	err = RunOne(ctx, l.Store, l.Runner, l.Goal, e)
	l.count(sum, e)
	l.emit(LoopEvent{Stage: StageDone, Experiment: e})
	return err
}

func (l *Loop) emit(ev LoopEvent) {
	if l.OnEvent != nil {
		l.OnEvent(ev)
	}
}

func (l *Loop) count(sum *Summary, e *Experiment) {
	l.mu.Lock()
	defer l.mu.Unlock()
	sum.Experiments++
	sum.SpentUSD += e.Cost.USD
	l.spent += e.Cost.USD
	switch e.Status {
	case StatusKept:
		sum.Kept++
	case StatusDiscarded:
		sum.Discarded++
	case StatusFailed:
		sum.Failed++
	case StatusInterrupted:
		sum.Interrupted++
	}
}

func (l *Loop) worker(ctx context.Context, w int, sum *Summary) error {
	for {
		req, ok, err := l.next(ctx)
		if err != nil || !ok {
			return err
		}
		e, err := l.one(ctx, w, req)
		l.count(sum, e)
		l.emit(LoopEvent{Stage: StageDone, Experiment: e, Worker: w})
		if err != nil {
			return err
		}
	}
}

// next reserves the next experiment, or says the loop is done.
func (l *Loop) next(ctx context.Context) (Request, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.Limits
	switch {
	case ctx.Err() != nil:
		return Request{}, false, ctx.Err()
	case l.fatal != nil,
		lim.MaxExperiments > 0 && l.started >= lim.MaxExperiments,
		lim.MaxDuration > 0 && time.Since(l.begin) >= lim.MaxDuration,
		lim.BudgetUSD > 0 && l.spent >= lim.BudgetUSD:
		return Request{}, false, nil
	}
	list, err := l.Store.List(ctx, l.Task, false)
	if err != nil {
		return Request{}, false, err
	}
	h := History{Candidates: Candidates(list, l.Goal.Direction, l.Strategy.TopK), Number: l.started + 1, Streak: Streak(list)}
	if len(h.Candidates) == 0 {
		return Request{}, false, fmt.Errorf("task %s has no kept experiment to build on (did the baseline fail?): fix it and run `autoresearch baseline --task %s`", l.Task, l.Task)
	}
	if err := l.Store.Fill(ctx, h.Candidates); err != nil {
		return Request{}, false, err
	}
	recent := tail(list, l.Recent)
	if err := l.Store.Fill(ctx, recent); err != nil { // their seeds: how they trained
		return Request{}, false, err
	}
	i, mode := l.Strategy.Next(h)
	l.started++
	return Request{Task: l.Task, Parent: h.Candidates[i], Mode: mode, Candidates: h.Candidates, Recent: recent}, true, nil
}

func tail(list []Experiment, n int) []Experiment {
	if n <= 0 {
		n = 10
	}
	if len(list) > n {
		return list[len(list)-n:]
	}
	return list
}

// one proposes, validates, runs and records one experiment.
func (l *Loop) one(ctx context.Context, w int, req Request) (*Experiment, error) {
	parent := req.Parent.ID
	e := &Experiment{Task: l.Task, Mode: req.Mode, ParentID: &parent, Rule: l.Accept}
	emit := func(st Stage) { l.emit(LoopEvent{Stage: st, Experiment: e, ParentSeq: req.Parent.Seq, Worker: w}) }
	emit(StageProposing)
	start := time.Now()
	prop, err := l.Proposer.Propose(ctx, req)
	e.Code, e.Description, e.Hypothesis, e.Category, e.Cost = prop.Code, prop.Description, prop.Hypothesis, prop.Category, prop.Cost
	if e.Cost.ProposeSeconds == 0 {
		e.Cost.ProposeSeconds = time.Since(start).Seconds()
	}
	if err != nil {
		return e, l.proposalFailed(ctx, e, err)
	}
	emit(StageValidating)
	if err := l.Validator.Validate(ctx, e.Code); err != nil {
		var rej *Rejection
		if !errors.As(err, &rej) {
			return e, err
		}
		return e, l.record(ctx, e, rej.Kind, rej.Reason)
	}
	emit(StageRunning)
	return e, RunOne(ctx, l.Store, l.Runner, l.Goal, e)
}

func (l *Loop) proposalFailed(ctx context.Context, e *Experiment, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pe *ProposalError
	if errors.As(err, &pe) {
		e.Cost = pe.Cost
	}
	if errors.Is(err, ErrFatal) {
		l.mu.Lock()
		l.fatal = err
		l.mu.Unlock()
	}
	return l.record(ctx, e, FailProposal, err.Error())
}

// record stores an experiment that failed before it could run.
func (l *Loop) record(ctx context.Context, e *Experiment, kind FailureKind, why string) error {
	e.Status = StatusFailed
	if err := l.Store.Create(ctx, e); err != nil {
		return err
	}
	now := time.Now()
	e.FinishedAt = &now
	e.Outcome = Outcome{Failure: kind, Excerpt: why}
	return l.Store.Finish(ctx, e)
}
