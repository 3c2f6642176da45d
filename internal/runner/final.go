package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// Only finalists are evaluated on the test split: a seed's workspace (its
// exported model) is kept until its experiment is decided
// (research.Finalizer), when Cfg.WithTest asks for test metrics.
var _ research.Finalizer = (*Runner)(nil)

// heldSeed is a seed's workspace kept for its experiment's decision.
type heldSeed struct {
	id, seed int64 // the experiment's ID and the seed
	t        *trainProc
}

// held are the workspaces kept, by experiment ID.
type held struct {
	mu    sync.Mutex
	seeds map[int64][]heldSeed
}

// heldMu guards the creation of a Runner's held workspaces.
var heldMu sync.Mutex

func (r *Runner) holds() *held {
	heldMu.Lock()
	defer heldMu.Unlock()
	if r.held == nil {
		r.held = &held{seeds: map[int64][]heldSeed{}}
	}
	return r.held
}

// hold keeps t's workspace for the decision on s's experiment.
func (h *held) hold(s research.SeedSpec, t *trainProc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seeds[s.ExperimentID] = append(h.seeds[s.ExperimentID], heldSeed{id: s.ExperimentID, seed: s.Seed, t: t})
}

// take returns and forgets what is held of experiment id.
func (h *held) take(id int64) []heldSeed {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.seeds[id]
	delete(h.seeds, id)
	return got
}

// takeAll returns and forgets everything held.
func (h *held) takeAll() []heldSeed {
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []heldSeed
	for _, v := range h.seeds {
		all = append(all, v...)
	}
	clear(h.seeds)
	return all
}

// Finalize implements research.Finalizer: each held seed's model is
// evaluated on the test split (test), one sealed evaluator at a time in
// a free slot, and its workspace let go.
func (r *Runner) Finalize(ctx context.Context, id int64, seeds []research.SeedRun, test bool) error {
	kept := r.holds().take(id)
	var err error
	slot, free := Slot{}, func() {}
	if test && len(kept) > 0 {
		slot, free, err = r.seat(ctx)
	}
	for _, k := range kept {
		if test && err == nil {
			err = r.testSeed(ctx, slot, k, seeds)
		}
		r.dispose(k.t, id, k.seed)
	}
	if free != nil {
		free()
	}
	return err
}

// testSeed evaluates k's model on the test split into its seed's run.
func (r *Runner) testSeed(ctx context.Context, slot Slot, k heldSeed, seeds []research.SeedRun) error {
	for i := range seeds {
		if seeds[i].Seed != k.seed || !seeds[i].OK {
			continue
		}
		run := research.SeedRun{Seed: k.seed}
		if _, err := r.evalOnce(ctx, slot, k.t.dir, &run, "test="+r.Splits.Test); err != nil {
			return err
		}
		seeds[i].TestMetric, seeds[i].TestSeconds = run.Metric, run.EvalSeconds
		if run.Failure != "" { // the model that scored on val would not on test: no keep
			seeds[i].OK, seeds[i].Failure, seeds[i].Excerpt = false, run.Failure, failureExcerpt("on the test split: "+run.Excerpt)
		}
	}
	return nil
}

// evalOnce runs the trusted evaluator on dir's model over one split (its
// metric becomes run's), in slot, started and let go at once; run's
// EvalSeconds is then the whole process's. It returns what the evaluator
// said.
func (r *Runner) evalOnce(ctx context.Context, slot Slot, dir string, run *research.SeedRun, split string) (*evalResult, error) {
	start := time.Now()
	e, err := r.startEval(ctx, slot, dir, split, false)
	if err != nil {
		return nil, err
	}
	defer e.proc.Kill()
	err = r.evaluate(ctx, e, 0, run)
	run.EvalSeconds = time.Since(start).Seconds()
	return e.result, err
}

// dispose removes t's workspace, or names it after its seed when
// workspaces are kept.
func (r *Runner) dispose(t *trainProc, id, seed int64) {
	if !r.Cfg.KeepWorkspaces {
		os.RemoveAll(t.root)
		return
	}
	suffix := strings.TrimPrefix(filepath.Base(t.root), r.Task.Name)
	_ = os.Rename(t.root, filepath.Join(r.Cfg.WorkDir, fmt.Sprintf("%s-%d-seed-%d%s", r.Task.Name, id, seed, suffix)))
}
