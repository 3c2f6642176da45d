// Package researchtest holds what tests of the research contracts share:
// an in-memory store that honours research.Store's contract, and the
// conformance suites (StoreSuite, RunnerSuite) that every implementation
// of the store and of the runner must pass (tests only).
package researchtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/autoresearch/autoresearch/internal/research"
)

// MemStore is an in-memory research.LoopStore, safe for concurrent use. It
// keeps copies, as a real store does, and passes StoreSuite.
type MemStore struct {
	mu    sync.Mutex
	exps  []*research.Experiment // by ID - 1
	goals map[string]research.Goal
}

var _ research.LoopStore = (*MemStore)(nil)

// SetGoal implements research.Store.
func (m *MemStore) SetGoal(_ context.Context, task string, g research.Goal) error {
	if !g.Direction.Valid() || g.Metric == "" {
		return fmt.Errorf("task %s: goal %s: want a metric name and minimize or maximize", task, g)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.goals == nil {
		m.goals = map[string]research.Goal{}
	}
	if old, ok := m.goals[task]; ok && m.has(task) {
		return research.CheckGoal(task, &old, g)
	}
	m.goals[task] = g // nothing was ranked by another goal yet
	return nil
}

// has reports whether the task has experiments.
func (m *MemStore) has(task string) bool {
	for _, e := range m.exps {
		if e.Task == task {
			return true
		}
	}
	return false
}

// Best implements research.Store.
func (m *MemStore) Best(_ context.Context, task string) (*research.Experiment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.best(task)
}

func (m *MemStore) best(task string) (*research.Experiment, error) {
	g, ok := m.goals[task]
	var best *research.Experiment
	for _, e := range m.exps {
		if e.Task != task || e.Status != research.StatusKept || e.Outcome.Mean == nil {
			continue
		}
		if !ok {
			return nil, fmt.Errorf("task %s has kept experiments but no goal", task)
		}
		if best == nil || g.Direction.Ahead(e, best) {
			best = e
		}
	}
	if best == nil {
		return nil, nil
	}
	c := m.light(best)
	return &c, nil
}

// Standing implements research.Store.
func (m *MemStore) Standing(_ context.Context, task string) (research.Standing, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.standing(task)
}

func (m *MemStore) standing(task string) (research.Standing, error) {
	best, err := m.best(task)
	if err != nil {
		return research.Standing{}, err
	}
	var all []research.Experiment
	for _, e := range m.exps {
		if e.Task == task {
			all = append(all, *e)
		}
	}
	if best != nil {
		best.Outcome.Seeds = m.exps[best.ID-1].Outcome.Seeds
	}
	return research.NewStanding(best, all), nil
}

// Create implements research.Store.
func (m *MemStore) Create(_ context.Context, e *research.Experiment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e.Diff = ""
	if e.ParentID != nil {
		if *e.ParentID < 1 || *e.ParentID > int64(len(m.exps)) {
			return fmt.Errorf("parent %d: no such experiment", *e.ParentID)
		}
		if parent := m.exps[*e.ParentID-1].Code; e.Code != "" {
			e.Diff = udiff.Unified("parent.py", "train.py", parent, e.Code)
		}
	}
	e.ID, e.Seq, e.CreatedAt = int64(len(m.exps)+1), 1, time.Now().UTC()
	for _, o := range m.exps {
		if o.Task == e.Task {
			e.Seq = max(e.Seq, o.Seq+1)
		}
	}
	c := *e
	m.exps = append(m.exps, &c)
	return nil
}

// Finish implements research.Store.
func (m *MemStore) Finish(_ context.Context, e *research.Experiment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.finish(e)
}

func (m *MemStore) finish(e *research.Experiment) error {
	if e.ID < 1 || e.ID > int64(len(m.exps)) {
		return fmt.Errorf("experiment %d: no such experiment", e.ID)
	}
	c := *e
	c.Outcome.Seeds = slices.Clone(e.Outcome.Seeds)
	m.exps[e.ID-1] = &c
	return nil
}

// Decide implements research.Store: under the store's lock, so no other
// decision interleaves.
func (m *MemStore) Decide(_ context.Context, e *research.Experiment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.goals[e.Task]
	if !ok {
		return fmt.Errorf("decide experiment %d: task %s has no goal recorded (SetGoal first)", e.Seq, e.Task)
	}
	st, err := m.standing(e.Task)
	if err != nil {
		return err
	}
	research.Conclude(e, g.Direction, st)
	now := time.Now()
	e.FinishedAt = &now
	return m.finish(e)
}

// List implements research.LoopStore.
func (m *MemStore) List(_ context.Context, task string, full bool) ([]research.Experiment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []research.Experiment
	for _, e := range m.exps {
		if e.Task != task {
			continue
		}
		c := *e
		if !full {
			c = m.light(e)
		}
		m.seqs(&c)
		out = append(out, c)
	}
	return out, nil
}

// light is e as a store's lists carry it: without code, diff or seeds.
func (m *MemStore) light(e *research.Experiment) research.Experiment {
	c := *e
	c.Code, c.Diff, c.Outcome.Seeds = "", "", nil
	m.seqs(&c)
	return c
}

// seqs fills in the numbers of c's parent and of the best it was judged
// against, as a store's reads do.
func (m *MemStore) seqs(c *research.Experiment) {
	c.ParentSeq, c.AgainstSeq = m.seqOf(c.ParentID), m.seqOf(c.AgainstID)
}

func (m *MemStore) seqOf(id *int64) *int64 {
	if id == nil {
		return nil
	}
	s := m.exps[*id-1].Seq
	return &s
}

// Fill implements research.LoopStore.
func (m *MemStore) Fill(_ context.Context, list []research.Experiment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range list {
		if id := list[i].ID; id >= 1 && id <= int64(len(m.exps)) {
			e := m.exps[id-1]
			list[i].Code, list[i].Diff, list[i].Outcome.Seeds = e.Code, e.Diff, slices.Clone(e.Outcome.Seeds)
		}
	}
	return nil
}

// MarkInterrupted implements research.LoopStore.
func (m *MemStore) MarkInterrupted(_ context.Context, task string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	now := time.Now()
	for _, e := range m.exps {
		if e.Task == task && e.Status == research.StatusRunning {
			e.Status, e.Outcome.Failure, e.FinishedAt = research.StatusInterrupted, research.FailInterrupted, &now
			n++
		}
	}
	return n, nil
}
