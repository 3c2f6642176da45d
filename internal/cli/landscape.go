package cli

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/autoresearch/autoresearch/internal/propose/tune"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// landscapeMax bounds the experiments a landscape is drawn from: the
// task's most recent ones (one page of the store).
const landscapeMax = sqlite.MaxPage

// explain draws what the model-based optimisers know of task for the
// report and the dashboard (tune.Explain), in bounded reads: the best,
// and the finished ones among the most recent landscapeMax experiments;
// nil when nothing is kept. While some of them run, importance is
// measured in the background (lowest CPU priority). python finds the
// interpreter, asked only when there is something to measure.
func explain(ctx context.Context, db *sqlite.DB, python func(context.Context) *pyenv.Env, task string, d research.Direction) (*research.Landscape, error) {
	best, err := db.Best(ctx, task)
	if err != nil || best == nil {
		return nil, wrapLandscape(err)
	}
	page, err := db.Page(ctx, task, research.Page{Sort: "seq", Desc: true, Limit: landscapeMax})
	if err != nil {
		return nil, wrapLandscape(err)
	}
	slices.Reverse(page)
	recent, running := finished(page)
	if !slices.ContainsFunc(recent, func(e research.Experiment) bool { return e.ID == best.ID }) {
		recent = append([]research.Experiment{*best}, recent...) // the best, older than the window
	}
	if err := db.Fill(ctx, recent); err != nil {
		return nil, wrapLandscape(err)
	}
	at := slices.IndexFunc(recent, func(e research.Experiment) bool { return e.ID == best.ID })
	ls := tune.Explain(ctx, python, running, recent[at], recent, d)
	return &ls, nil
}

// finished are the experiments of list that ended (kept, discarded or
// failed), and whether any of list is running.
func finished(list []research.Experiment) (out []research.Experiment, running bool) {
	for _, e := range list {
		switch e.Status {
		case research.StatusKept, research.StatusDiscarded, research.StatusFailed:
			out = append(out, e)
		case research.StatusRunning:
			running = true
		}
	}
	return out, running
}

func wrapLandscape(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("drawing what the optimisers know: %w", err)
}

// landscapes is the dashboard's source of landscapes: each task's, drawn
// from the store as it is, ranked by its goal.
func landscapes(db *sqlite.DB, goals *goals, python func(context.Context) *pyenv.Env) func(context.Context, string) (*research.Landscape, error) {
	return func(ctx context.Context, task string) (*research.Landscape, error) {
		goal, err := goals.of(ctx, task)
		if err != nil {
			return nil, err
		}
		return explain(ctx, db, python, task, goal.Direction)
	}
}

// pythonOnce finds the interpreter for views that measure importance,
// keeping it once found; nil while there is none (they show the rest).
func pythonOnce(g *globalOpts) func(ctx context.Context) *pyenv.Env {
	var mu sync.Mutex
	var env *pyenv.Env
	return func(ctx context.Context) *pyenv.Env {
		mu.Lock()
		defer mu.Unlock()
		if env == nil {
			env, _ = pyenv.New(context.WithoutCancel(ctx), g.Python)
		}
		return env
	}
}
