package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

// goals answers, for every reader, the goal a task's experiments are
// ranked by: the one the database recorded with them. A task recorded
// before goals were has none until its next run; for it, the task folder
// of that name (--task-dir, else the built-in one) gives the goal, which
// is then recorded so that the store ranks by it too. Without a folder
// the store reads the direction from the keeps (sqlite.InferredGoal, by
// which its Best ranks too), and a warning (once per task) says how to
// be sure.
type goals struct {
	mu     sync.Mutex
	db     *sqlite.DB
	g      *globalOpts
	warn   io.Writer
	warned map[string]bool
}

func newGoals(db *sqlite.DB, g *globalOpts, warn io.Writer) *goals {
	return &goals{db: db, g: g, warn: warn, warned: map[string]bool{}}
}

// of returns task name's goal (recording a task folder's for a task
// that has experiments but no goal).
func (gs *goals) of(ctx context.Context, name string) (research.Goal, error) {
	if recorded, err := gs.db.Goal(ctx, name); err != nil || recorded != nil {
		return *cmp.Or(recorded, &research.Goal{}), err
	}
	g, ok := gs.folder(name)
	if !ok {
		return gs.inferred(ctx, name)
	}
	if v, err := gs.db.Version(ctx, name); err != nil || v == 0 {
		return g, err // no experiment yet: the first run records it
	}
	if err := gs.db.SetGoal(ctx, name, g); err != nil && !errors.Is(err, research.ErrGoalChanged) {
		return g, err
	}
	recorded, err := gs.db.Goal(ctx, name) // ours, or one another process recorded first
	return *cmp.Or(recorded, &g), err
}

// folder is the goal of the task folder named name, if one loads.
func (gs *goals) folder(name string) (research.Goal, bool) {
	if t, err := loadTask(gs.g); err == nil && t.Name == name {
		return t.Goal(), true
	}
	if t, err := task.Load(name, ""); err == nil {
		return t.Goal(), true
	}
	return research.Goal{}, false
}

// inferred is the store's reading of the direction from the keeps (not
// recorded: the metric's name is unknown), with a warning once there is
// a ranking to get wrong.
func (gs *goals) inferred(ctx context.Context, name string) (research.Goal, error) {
	g, keeps, err := gs.db.InferredGoal(ctx, name)
	if err == nil && keeps >= 2 {
		gs.warnOnce(name, g)
	}
	return g, err
}

func (gs *goals) warnOnce(name string, g research.Goal) {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if gs.warned[name] {
		return
	}
	gs.warned[name] = true
	fmt.Fprintf(gs.warn, "warning: the database does not record which way task %s's metric improves (it was written by an "+
		"older version); its keeps say %s is better: pass its --task-dir, or run it once, to be sure\n",
		sanitize(name, false), g.Direction.Word())
}
