package research

import (
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Budget is what an experiment trains under: Seconds of training by the
// runner's clock, or, when Steps is positive, Steps gradient steps
// (backward passes, counted by the harness) with Seconds as the ceiling.
// A time budget rewards faster steps as well as better ones; a step
// budget rewards what each step does, whatever the machine's load.
type Budget struct {
	Seconds float64
	Steps   int
}

// String says the budget as "30 s" or "500 steps (at most 30 s)".
func (b Budget) String() string {
	secs := strconv.FormatFloat(b.Seconds, 'g', -1, 64) + " s"
	if b.Steps > 0 {
		return fmt.Sprintf("%d steps (at most %s)", b.Steps, secs)
	}
	return secs
}

// Flags says the budget as the flags that ask for it.
func (b Budget) Flags() string {
	secs := "--train-seconds " + strconv.FormatFloat(b.Seconds, 'g', -1, 64)
	if b.Steps > 0 {
		return secs + " --budget-steps " + strconv.Itoa(b.Steps)
	}
	return secs + " and no --budget-steps"
}

// Budget is the budget the plan trains under.
func (p Plan) Budget() Budget { return Budget{Seconds: p.TrainSeconds, Steps: p.BudgetSteps} }

// Budget is the budget e trained under.
func (e *Experiment) Budget() Budget { return Budget{Seconds: e.TrainSeconds, Steps: e.BudgetSteps} }

// ErrBudgetChanged says a run would train under another budget than the
// task's best was measured under.
var ErrBudgetChanged = errors.New("the training budget differs from the best's")

// CheckBudget returns nil when the task has no best or its best was
// measured under b, and otherwise an error wrapping ErrBudgetChanged that
// says what to do: a metric depends on its budget, so results under two
// budgets cannot be judged against each other. A step budget's ceiling is
// part of it: a seed may end before its steps, and work that takes no
// gradient step grows with the ceiling.
func CheckBudget(ctx context.Context, store Store, task string, b Budget) error {
	best, err := store.Best(ctx, task)
	if err != nil || best == nil || best.Budget() == b {
		return err
	}
	return fmt.Errorf("%w: task %s's best (#%d) was measured under a budget of %s, and this run would train under %s; "+
		"results under two budgets cannot be compared: run with %s, or use another database (--db) for the new budget",
		ErrBudgetChanged, task, best.Seq, best.Budget(), b, best.Budget().Flags())
}
