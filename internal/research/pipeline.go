package research

import (
	"context"
	"errors"
	"time"
)

// Runner runs one script over the task's seeds. best is the best mean so
// far (nil when there is none or when every seed must run); a runner may
// stop after the first seed when ShortCircuit says so. A failed script is
// an Outcome with a Failure, not an error; errors are for the runner
// itself (and ctx's error when it was cancelled).
type Runner interface {
	Run(ctx context.Context, code string, best *float64) (Outcome, error)
	// Plan returns the training budget and the number of seeds of a run.
	Plan() (trainSeconds float64, seeds int)
}

// Store records experiments. Best returns nil and no error when the task
// has no kept experiment yet. Create assigns ID, Seq and CreatedAt and
// computes the diff against the parent; Finish records the outcome of an
// experiment whose status is already set. Decide records a completed
// run's outcome and its status, set by Conclude against the task's best
// at that moment, and stamps FinishedAt, in one step that no other
// decision on the task interleaves with (experiments in flight, other
// processes on the same database): so each kept experiment beats every
// one kept before it, and the last kept is the best.
type Store interface {
	Best(ctx context.Context, task string) (*Experiment, error)
	Create(ctx context.Context, e *Experiment) error
	Finish(ctx context.Context, e *Experiment) error
	Decide(ctx context.Context, e *Experiment, d Direction) error
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

// RunOne takes one script through the whole pipeline: it records e as
// running, runs it, and has the store decide keep or discard against the
// task's best when the run ends (not the best when it started: others
// may have finished meanwhile). When ctx is cancelled mid-run, e is recorded as
// interrupted and ctx's error returned.
func RunOne(ctx context.Context, store Store, runner Runner, d Direction, e *Experiment) error {
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
	e.Status = StatusRunning
	e.TrainSeconds, e.SeedsPlanned = runner.Plan()
	if err := store.Create(ctx, e); err != nil {
		return err
	}
	shortCircuitAgainst := best
	if e.Mode == ModeBaseline {
		shortCircuitAgainst = nil // a baseline measurement always runs every seed
	}
	out, runErr := runner.Run(WithExperiment(ctx, e.ID), e.Code, shortCircuitAgainst)
	e.Outcome = out
	now := time.Now()
	e.FinishedAt = &now
	if runErr != nil {
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
	return store.Decide(ctx, e, d)
}

type experimentKey struct{}

// WithExperiment tells a runner which recorded experiment it is running,
// so that its progress events can name it (live loss curves).
func WithExperiment(ctx context.Context, id int64) context.Context {
	return context.WithValue(ctx, experimentKey{}, id)
}

// ExperimentID returns the experiment set by WithExperiment, or 0.
func ExperimentID(ctx context.Context) int64 {
	id, _ := ctx.Value(experimentKey{}).(int64)
	return id
}
