package cli

import (
	"context"
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
// of that name (--task-dir, else the built-in one), else lower is better
// with a warning (once per task) that says how to be sure.
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

// of returns task name's goal.
func (gs *goals) of(ctx context.Context, name string) (research.Goal, error) {
	if recorded, err := gs.db.Goal(ctx, name); err != nil || recorded != nil {
		if recorded == nil {
			return research.Goal{}, err
		}
		return *recorded, nil
	}
	if t, err := loadTask(gs.g); err == nil && t.Name == name {
		return t.Goal(), nil
	}
	if t, err := task.Load(name, ""); err == nil {
		return t.Goal(), nil
	}
	gs.mu.Lock()
	defer gs.mu.Unlock()
	if !gs.warned[name] {
		gs.warned[name] = true
		fmt.Fprintf(gs.warn, "warning: the database does not record which way task %s's metric improves (it was written by an "+
			"older version): ranking lower as better; pass its --task-dir, or run it once, to be sure\n", sanitize(name, false))
	}
	return research.Goal{Metric: "metric", Direction: research.Minimize}, nil
}
