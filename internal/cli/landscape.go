package cli

import (
	"context"
	"slices"
	"sync"

	"github.com/autoresearch/autoresearch/internal/propose/tune"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// landscapeMax bounds the experiments a landscape is drawn from: the
// task's most recent finished ones.
const landscapeMax = 1000

// explain draws what the model-based optimisers know of the task for the
// report and the dashboard (tune.Explain) from list (the task's
// experiments, oldest first, code not needed); nil when nothing is kept.
// env nil: without importance.
func explain(ctx context.Context, db *sqlite.DB, env *pyenv.Env, list []research.Experiment, d research.Direction) (*research.Landscape, error) {
	top := research.Candidates(list, d, 1)
	if len(top) == 0 {
		return nil, nil
	}
	var recent []research.Experiment
	for i := len(list) - 1; i >= 0 && len(recent) < landscapeMax; i-- {
		if st := list[i].Status; st == research.StatusKept || st == research.StatusDiscarded || st == research.StatusFailed {
			recent = append(recent, list[i])
		}
	}
	slices.Reverse(recent)
	if !slices.ContainsFunc(recent, func(e research.Experiment) bool { return e.ID == top[0].ID }) {
		recent = append([]research.Experiment{top[0]}, recent...) // the best, older than the window
	}
	if err := db.Fill(ctx, recent); err != nil {
		return nil, err
	}
	best := recent[slices.IndexFunc(recent, func(e research.Experiment) bool { return e.ID == top[0].ID })]
	ls := tune.Explain(ctx, env, best, recent, d)
	return &ls, nil
}

// landscapes is the dashboard's source of landscapes: each task's, drawn
// from the store as it is.
func landscapes(db *sqlite.DB, goals *goals, python func(context.Context) *pyenv.Env) func(context.Context, string) (*research.Landscape, error) {
	return func(ctx context.Context, task string) (*research.Landscape, error) {
		goal, err := goals.of(ctx, task)
		if err != nil {
			return nil, err
		}
		list, err := db.List(ctx, task, false)
		if err != nil {
			return nil, err
		}
		return explain(ctx, db, python(ctx), list, goal.Direction)
	}
}

// pythonOnce finds the interpreter once, for views that measure
// importance; nil when there is none (they show the rest).
func pythonOnce(g *globalOpts) func(ctx context.Context) *pyenv.Env {
	var once sync.Once
	var env *pyenv.Env
	return func(ctx context.Context) *pyenv.Env {
		once.Do(func() {
			if e, err := pyenv.New(context.WithoutCancel(ctx), g.Python); err == nil {
				env = e
			}
		})
		return env
	}
}
