package research

import (
	"errors"
	"fmt"
	"math"
)

// Direction says which way a metric improves.
type Direction string

// Directions.
const (
	Minimize Direction = "minimize"
	Maximize Direction = "maximize"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Minimize || d == Maximize }

// Word is how a person says which way is better: "higher" or "lower".
func (d Direction) Word() string {
	if d == Maximize {
		return "higher"
	}
	return "lower"
}

// ImprovingSign is the sign of a change of the metric that improves it:
// "positive" or "negative".
func (d Direction) ImprovingSign() string {
	if d == Maximize {
		return "positive"
	}
	return "negative"
}

// Better reports whether a is strictly better than b.
func (d Direction) Better(a, b float64) bool {
	if d == Maximize {
		return a > b
	}
	return a < b
}

// Goal is what a task optimises: the name of its metric and the direction
// in which it improves. The store keeps it with the task's experiments,
// and every reader takes it from there.
type Goal struct {
	Metric    string
	Direction Direction
}

// String says the goal as "metric (direction)".
func (g Goal) String() string { return fmt.Sprintf("%s (%s)", g.Metric, g.Direction) }

// ErrGoalChanged says a task's experiments were recorded with another goal.
var ErrGoalChanged = errors.New("the task's metric or direction changed")

// CheckGoal returns nil when asked is the goal recorded for task (or none
// was), and otherwise an error wrapping ErrGoalChanged that says what to do.
func CheckGoal(task string, recorded *Goal, asked Goal) error {
	if recorded == nil || *recorded == asked {
		return nil
	}
	return fmt.Errorf("%w: task %s's experiments were recorded with metric %s, and its task folder now says %s; "+
		"results of two goals cannot be compared: give the changed task another name, or use another database (--db)",
		ErrGoalChanged, task, recorded, asked)
}

// Ahead is the one ranking of kept experiments: a is ahead of b when its
// mean is better, or equal and a was numbered first. A task's best is the
// kept experiment ahead of all others (the store answers Best with the
// same rule).
func (d Direction) Ahead(a, b *Experiment) bool {
	am, bm := *a.Outcome.Mean, *b.Outcome.Mean
	if am != bm {
		return d.Better(am, bm)
	}
	return a.Seq < b.Seq
}

// BestSoFar is one step of the best-so-far line of a chart drawn in
// number order: the best kept mean among points up to p, given prev, the
// best before p.
func (d Direction) BestSoFar(prev *float64, p Point) *float64 {
	if p.Status != StatusKept || p.Mean == nil || (prev != nil && !d.Better(*p.Mean, *prev)) {
		return prev
	}
	return p.Mean
}

// MeanStd returns the mean and the sample standard deviation (0 for a
// single value) of xs, which must not be empty.
func MeanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}
