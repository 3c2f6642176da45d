package research

import (
	"context"
	"errors"
	"time"
)

// Store records experiments. SetGoal records the task's goal (every later
// Best and Decide of the task ranks by it); a goal other than the one
// recorded is an error wrapping ErrGoalChanged (CheckGoal) once the task
// has experiments. Best returns the kept experiment ahead of all others
// by Direction.Ahead under that goal (a store may rank tasks recorded
// before goals existed by what it can tell of them), or nil and no error
// when the task has none. Create assigns ID, Seq and CreatedAt
// and computes the diff against the parent; Finish records the outcome
// of an experiment whose status is already set. Decide
// records a completed run's outcome and its status, set by Conclude
// against the task's best at that moment, and stamps FinishedAt, in one
// step that no other decision on the task interleaves with (experiments
// in flight, other processes on the same database): so each kept
// experiment beats every one kept before it.
type Store interface {
	SetGoal(ctx context.Context, task string, g Goal) error
	Best(ctx context.Context, task string) (*Experiment, error)
	Create(ctx context.Context, e *Experiment) error
	Finish(ctx context.Context, e *Experiment) error
	Decide(ctx context.Context, e *Experiment) error
}

// Conclude sets e's status from its outcome with the acceptance rule.
func Conclude(e *Experiment, d Direction, best *float64) {
	switch {
	case e.Outcome.Failure != "":
		e.Status = StatusFailed
	case e.Outcome.Mean != nil && Accept(d, *e.Outcome.Mean, best):
		e.Status = StatusKept
	default:
		e.Status = StatusDiscarded
	}
}

// RunOne takes one script through the whole pipeline: it records the
// task's goal and e as running, runs e's seeds (RunSeeds), and has the
// store decide keep or discard against the task's best when the run ends
// (not the best when it started: others may have finished meanwhile).
// When ctx is cancelled mid-run, e is recorded as interrupted and ctx's
// error returned.
func RunOne(ctx context.Context, store Store, runner Runner, g Goal, e *Experiment) error {
	if err := store.SetGoal(ctx, e.Task, g); err != nil {
		return err
	}
	bestExp, err := store.Best(ctx, e.Task)
	if err != nil {
		return err
	}
	var best *float64
	if bestExp != nil {
		best = bestExp.Outcome.Mean
		if e.ParentID == nil && e.Mode == ModeEval {
			e.ParentID = &bestExp.ID // a user's script is judged against, and diffed with, the best
		}
	}
	plan := runner.Plan()
	e.Status = StatusRunning
	e.TrainSeconds, e.SeedsPlanned = plan.TrainSeconds, len(plan.Seeds)
	if err := store.Create(ctx, e); err != nil {
		return err
	}
	if e.Mode == ModeBaseline {
		best = nil // a baseline measurement always runs every seed
	}
	out, runErr := RunSeeds(ctx, runner, g.Direction, e, best)
	e.Outcome, e.SeedsDone = out, out.SeedsOK()
	if runErr != nil {
		return interrupted(ctx, store, e, runErr)
	}
	return store.Decide(context.WithoutCancel(ctx), e) // the run is complete: Ctrl-C now must not lose it
}

// interrupted records e, whose run ended with runErr (cancelled: the
// experiment is interrupted; else the runner broke: it failed).
func interrupted(ctx context.Context, store Store, e *Experiment, runErr error) error {
	now := time.Now()
	e.FinishedAt = &now
	e.Status = StatusInterrupted
	e.Outcome.Failure = FailInterrupted
	if !errors.Is(runErr, context.Canceled) && !errors.Is(runErr, context.DeadlineExceeded) {
		e.Outcome.Failure = FailCrash
		e.Status = StatusFailed
		e.Outcome.Excerpt = runErr.Error()
	}
	if err := store.Finish(context.WithoutCancel(ctx), e); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}
