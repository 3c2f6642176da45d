package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// liveRecorder writes the progress of seeds in flight to the store, at
// most once a second per seed and on every phase change, so that the
// dashboard (another process) can draw live loss curves.
type liveRecorder struct {
	mu    sync.Mutex
	db    *sqlite.DB
	seeds map[[2]int64]*liveSeed
}

type liveSeed struct {
	phase   research.Phase
	loss    research.Curve
	flushed time.Time
}

func newLiveRecorder(db *sqlite.DB) *liveRecorder {
	return &liveRecorder{db: db, seeds: map[[2]int64]*liveSeed{}}
}

func (l *liveRecorder) event(ev runner.Event) {
	if ev.ExperimentID == 0 {
		return
	}
	key := [2]int64{ev.ExperimentID, ev.Seed}
	l.mu.Lock()
	s := l.seeds[key]
	if s == nil {
		s = &liveSeed{}
		l.seeds[key] = s
	}
	phase := ev.Phase
	switch phase {
	case research.PhaseDone:
		delete(l.seeds, key) // the finished experiment's rows go with its record
		l.mu.Unlock()
		return
	case research.PhaseTraining:
		if ev.Step != 0 || ev.Loss != 0 {
			s.loss.Add(research.LossPoint{Step: ev.Step, Loss: ev.Loss})
		}
	}
	if phase == s.phase && time.Since(s.flushed) < time.Second {
		l.mu.Unlock()
		return
	}
	s.phase, s.flushed = phase, time.Now()
	loss := s.loss.Points()
	l.mu.Unlock()
	if err := l.db.UpdateLive(context.Background(), ev.ExperimentID, ev.Seed, phase, ev.Place, loss); err != nil {
		slog.Warn("live progress not recorded", "err", err)
	}
}

// both calls each function with every runner event.
func both(a, b func(runner.Event)) func(runner.Event) {
	return func(ev runner.Event) { a(ev); b(ev) }
}
