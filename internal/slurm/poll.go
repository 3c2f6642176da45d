package slurm

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// poller asks the controller for the state of every job a runner watches
// at once: one squeue per interval however many jobs are in flight (the
// controller of a shared cluster is everyone's), and scontrol once for a
// job that has left the queue, for how it ended. Its goroutine runs while
// some job is watched.
type poller struct {
	every   time.Duration
	mu      sync.Mutex
	jobs    map[string]bool
	last    map[string]polled
	tick    chan struct{} // closed when a round has been asked, then replaced
	running bool
}

type polled struct {
	st  state
	err error
}

// newPoller asks every interval every.
func newPoller(every time.Duration) *poller {
	return &poller{every: every, jobs: map[string]bool{}, last: map[string]polled{}, tick: make(chan struct{})}
}

// state waits for the next round and returns job id's state in it.
func (p *poller) state(ctx context.Context, id string) (state, error) {
	p.mu.Lock()
	p.jobs[id] = true
	tick := p.tick
	if !p.running {
		p.running = true
		go p.loop() //nolint:gosec // G118: the rounds serve every job in flight, none's context; the loop ends when none is watched
	}
	p.mu.Unlock()
	select {
	case <-ctx.Done():
		return state{}, ctx.Err()
	case <-tick:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.last[id]
	if !ok {
		return state{State: "PENDING"}, nil // watched from the next round on
	}
	return r.st, r.err
}

// forget stops watching job id.
func (p *poller) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.jobs, id)
	delete(p.last, id)
}

// loop asks a round every interval while some job is watched.
func (p *poller) loop() {
	for {
		time.Sleep(p.every)
		p.mu.Lock()
		ids := make([]string, 0, len(p.jobs))
		for id := range p.jobs {
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			p.running = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		round := ask(context.Background(), ids)
		p.mu.Lock()
		for id, r := range round {
			if p.jobs[id] {
				p.last[id] = r
			}
		}
		close(p.tick)
		p.tick = make(chan struct{})
		p.mu.Unlock()
	}
}

// ask is one round: the user's queue, then how each job that left it
// ended.
func ask(ctx context.Context, ids []string) map[string]polled {
	out := map[string]polled{}
	queue, err := run(ctx, "squeue", "--me", "--noheader", "--format=%i|%T|%N|%r")
	if err != nil {
		for _, id := range ids {
			out[id] = polled{err: err}
		}
		return out
	}
	queued := map[string]state{}
	for _, line := range strings.Split(queue, "\n") {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) == 4 {
			queued[f[0]] = state{State: f[1], Node: f[2], Reason: f[3]}
		}
	}
	for _, id := range ids {
		if st, ok := queued[id]; ok {
			out[id] = polled{st: st}
			continue
		}
		st, err := jobState(ctx, id)
		if errors.Is(err, errGone) {
			st, err = state{State: "GONE"}, nil
		}
		out[id] = polled{st: st, err: err}
	}
	return out
}
