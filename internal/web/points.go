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

// reset forgets the cached points; they are ranked by d from now on.
func (tp *taskPoints) reset(d research.Direction) {
	tp.settled, tp.pts, tp.best, tp.dir = 0, nil, nil, d
}

// bestBefore is the best-so-far line at the cached point before index i.
func (tp *taskPoints) bestBefore(i int) *float64 {
	if i == 0 {
		return nil
	}
	return tp.best[i-1]
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
		tp.reset(d)
	}
	fresh, settled, err := s.Store.Points(ctx, task, tp.settled)
	if err != nil {
		return nil, nil, 0, err
	}
	if settled < tp.settled { // the store went back (replaced): start again
		tp.reset(d)
		if fresh, settled, err = s.Store.Points(ctx, task, 0); err != nil {
			return nil, nil, 0, err
		}
	}
	from := sort.Search(len(tp.pts), func(i int) bool { return tp.pts[i].Seq > after })
	out := append(append([]research.Point{}, tp.pts[from:]...), fresh...)
	best := append(make([]*float64, 0, len(out)), tp.best[from:]...)
	prev := tp.bestBefore(len(tp.pts))
	for _, p := range fresh {
		prev = d.BestSoFar(prev, p)
		best = append(best, prev)
		if p.Seq <= settled { // settled: it will not change, nor will the line up to it
			tp.pts, tp.best = append(tp.pts, p), append(tp.best, prev)
		}
	}
	tp.settled = max(tp.settled, settled)
	from = sort.Search(len(out), func(i int) bool { return out[i].Seq > after })
	return out[from:], best[from:], settled, nil
}
