package web

import (
	"context"
	"sort"
	"sync"

	"github.com/autoresearch/autoresearch/internal/research"
)

// pointCache keeps, per task, the chart points up to the settled number
// (they cannot change), so that a new page's whole chart is read from
// memory plus the few points after it, not from 100,000 rows.
type pointCache struct {
	mu    sync.Mutex
	tasks map[string]*taskPoints
}

type taskPoints struct {
	mu      sync.Mutex
	settled int64
	pts     []research.Point // every point with Seq <= settled, in order
	best    []*float64       // the best-so-far line at each of pts
	dir     research.Direction
}

// add caches a settled point and the best-so-far line at it.
func (tp *taskPoints) add(p research.Point, d research.Direction) {
	var prev *float64
	if n := len(tp.best); n > 0 {
		prev = tp.best[n-1]
	}
	tp.pts, tp.best = append(tp.pts, p), append(tp.best, d.BestSoFar(prev, p))
}

func (c *pointCache) task(name string) *taskPoints {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tasks == nil {
		c.tasks = map[string]*taskPoints{}
	}
	tp := c.tasks[name]
	if tp == nil {
		tp = &taskPoints{}
		c.tasks[name] = tp
	}
	return tp
}

// points returns the task's points after a number, the best-so-far line
// at each, and the settled number, reading from the store only what came
// after the cached prefix.
func (s *Server) points(ctx context.Context, task string, after int64, d research.Direction) ([]research.Point, []*float64, int64, error) {
	tp := s.pointCache.task(task)
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.dir != d { // the goal became known (a database from before goals were): rank again
		tp.settled, tp.pts, tp.best, tp.dir = 0, nil, nil, d
	}
	fresh, settled, err := s.Store.Points(ctx, task, tp.settled)
	if err != nil {
		return nil, nil, 0, err
	}
	if settled < tp.settled { // the store went back (replaced): start again
		tp.settled, tp.pts, tp.best = 0, nil, nil
		if fresh, settled, err = s.Store.Points(ctx, task, 0); err != nil {
			return nil, nil, 0, err
		}
	}
	from := sort.Search(len(tp.pts), func(i int) bool { return tp.pts[i].Seq > after })
	var prev *float64
	if from > 0 {
		prev = tp.best[from-1]
	}
	out := append(append([]research.Point{}, tp.pts[from:]...), fresh...)
	best := make([]*float64, len(out))
	for i, p := range out {
		prev = d.BestSoFar(prev, p)
		best[i] = prev
	}
	for _, p := range fresh {
		if p.Seq <= settled {
			tp.add(p, d)
		}
	}
	tp.settled = max(tp.settled, settled)
	from = sort.Search(len(out), func(i int) bool { return out[i].Seq > after })
	return out[from:], best[from:], settled, nil
}
