package research

import (
	"context"
	"errors"
	"time"
)

// Store records experiments. SetGoal records the task's goal (every later
// Best, Standing and Decide of the task ranks by it); a goal other than
// the one recorded is an error wrapping ErrGoalChanged (CheckGoal) once
// the task has experiments. Best returns the kept experiment ahead of all
// others by Direction.Ahead under that goal (a store may rank tasks
// recorded before goals existed by what it can tell of them), or nil and
// no error when the task has none; Standing returns the task's standing
// (NewStanding with that best). Create assigns ID, Seq and CreatedAt and
// computes the diff against the parent; Finish records the outcome of an
// experiment whose status is already set. Decide records a completed
// run's outcome and its status, set by Conclude against the task's
// standing at that moment, and stamps FinishedAt, in one step that no
// other decision on the task interleaves with (experiments in flight,
// other processes on the same database): so each kept experiment beats
// every one kept before it.
type Store interface {
	SetGoal(ctx context.Context, task string, g Goal) error
	Best(ctx context.Context, task string) (*Experiment, error)
	Standing(ctx context.Context, task string) (Standing, error)
	Create(ctx context.Context, e *Experiment) error
	Finish(ctx context.Context, e *Experiment) error
	Decide(ctx context.Context, e *Experiment) error
}

// Conclude sets e's status from its outcome with e's acceptance rule
// against st: kept only when the rule keeps it now (an experiment the
// rule would still give more seeds, the best having moved meanwhile, is
// discarded: it did not show it is better). A seed the cluster took away
// (FailInterrupted: cancelled, preempted past its retries) interrupts e:
// it says nothing of the script.
func Conclude(e *Experiment, d Direction, st Standing) {
	e.AgainstID = nil
	if st.BestID != 0 {
		e.AgainstID = &st.BestID
	}
	switch {
	case e.Outcome.Failure == FailInterrupted:
		e.Status = StatusInterrupted
	case e.Outcome.Failure != "":
		e.Status = StatusFailed
	case e.Outcome.Mean != nil && e.Rule.Judge(d, st.evidence(e, &e.Outcome)) == Keep:
		e.Status = StatusKept
	default:
		e.Status = StatusDiscarded
	}
}

// RunOne takes one script through the whole pipeline: it records the
// task's goal, checks the runner's budget against the best's
// (CheckBudget), records e as running, runs e's seeds (RunSeeds: its planned
// seeds and those its rule asks for, AcceptMargin unless e says), and has
// the store decide keep or discard against the task's standing when the
// run ends (not when it started: others may have finished meanwhile).
// When ctx is cancelled mid-run, e is recorded as interrupted and ctx's
// error returned.
func RunOne(ctx context.Context, store Store, runner Runner, g Goal, e *Experiment) error {
	if err := store.SetGoal(ctx, e.Task, g); err != nil {
		return err
	}
	plan := runner.Plan()
	if err := CheckBudget(ctx, store, e.Task, plan.Budget()); err != nil {
		return err
	}
	st, err := store.Standing(ctx, e.Task)
	if err != nil {
		return err
	}
	if st.BestID != 0 && e.ParentID == nil && e.Mode == ModeEval {
		e.ParentID = &st.BestID // a user's script is judged against, and diffed with, the best
	}
	if e.Rule == "" {
		e.Rule = AcceptMargin
	}
	e.Status = StatusRunning
	e.TrainSeconds, e.BudgetSteps = plan.TrainSeconds, plan.BudgetSteps
	e.SeedsPlanned, e.SeedsMax = plan.seeds(e)
	if err := store.Create(ctx, e); err != nil {
		return err
	}
	out, runErr := RunSeeds(ctx, runner, g.Direction, e, st)
	e.Outcome, e.SeedsDone = out, out.SeedsOK()
	if runErr != nil {
		_ = Finalize(ctx, runner, e, false)
		return interrupted(ctx, store, e, runErr)
	}
	if err := Finalize(ctx, runner, e, finalist(ctx, store, g, e)); err != nil && ctx.Err() == nil {
		return interrupted(ctx, store, e, err) // the runner broke: recorded as failed, with why
	}
	return store.Decide(context.WithoutCancel(ctx), e) // the run is complete: Ctrl-C now must not lose it
}

// A Finalizer is a Runner that keeps each seed's model until its
// experiment is decided, so that only finalists are evaluated on the
// held-out test split. Finalize sets the TestMetric (and TestSeconds) of
// seeds when test is true, as far as it can (a seed it cannot evaluate
// keeps none: the experiment's test mean is then missing, not wrong), and
// lets go of what it kept of experimentID either way. A seed whose model
// fails on the test split (tampers, crashes, times out) fails: the
// experiment fails with it. An error means the runner could not evaluate
// (or ctx ended).
type Finalizer interface {
	Finalize(ctx context.Context, experimentID int64, seeds []SeedRun, test bool) error
}

// Finalize has a Finalizer runner evaluate e's seeds on the test split
// (test) and let go of them; the test mean follows when every seed has
// one, a seed that failed there fails e. Other runners are left alone.
func Finalize(ctx context.Context, runner Runner, e *Experiment, test bool) error {
	f, ok := runner.(Finalizer)
	if !ok {
		return nil
	}
	err := f.Finalize(ctx, e.ID, e.Outcome.Seeds, test)
	for _, s := range e.Outcome.Seeds {
		if !s.OK && e.Outcome.Failure == "" {
			e.Outcome.Failure, e.Outcome.Excerpt = s.Failure, s.Excerpt
			e.SeedsDone = e.Outcome.SeedsOK()
		}
	}
	if test {
		summarize(&e.Outcome)
	}
	return err
}

// finalist says whether e's test metric is wanted: a successful baseline,
// or an experiment ahead of the best now by any margin (the margin rule
// keeps a subset of those; the floor may move before the decision). Its
// decision comes later and only against a best at least as good, so
// every kept experiment is a finalist (a finalist overtaken meanwhile is
// discarded with its test metric: more evaluation, never less).
func finalist(ctx context.Context, store Store, g Goal, e *Experiment) bool {
	if e.Outcome.Failure != "" || e.Outcome.Mean == nil {
		return false
	}
	if e.Mode == ModeBaseline {
		return true
	}
	st, err := store.Standing(ctx, e.Task)
	if err != nil {
		return true // better a test evaluation too many than a kept experiment without one
	}
	return AcceptMean.Judge(g.Direction, st.evidence(e, &e.Outcome)) == Keep
}

// interrupted records e, whose run ended with runErr (cancelled, or the
// runner lost the seed (ErrLost): the experiment is interrupted; else the
// runner broke: it failed).
func interrupted(ctx context.Context, store Store, e *Experiment, runErr error) error {
	now := time.Now()
	e.FinishedAt = &now
	e.Status = StatusInterrupted
	e.Outcome.Failure = FailInterrupted
	if !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) && !errors.Is(runErr, ErrLost) {
		e.Outcome.Failure = FailCrash
		e.Status = StatusFailed
		e.Outcome.Excerpt = runErr.Error()
	}
	if err := store.Finish(context.WithoutCancel(ctx), e); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}
