package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// A train process starts gated: in its workspace, under its phase's
// isolation, it imports torch and waits. The seed's script and settings
// reach it at the runner's go, which is when the runner's clock starts.
// Only trusted code (ar_train.py) runs before the go, so nothing can
// train off the clock, and the view, limits and deadline are the same as
// a cold start's.
type trainProc struct {
	key     string    // the settings it was started with (spares match on it)
	slot    Slot      // where it runs
	spawned time.Time // when it was started
	root    string    // the private folder the workspace lies in
	dir     string    // the workspace
	proc    Process
	log     *trainLog
	done    chan struct{} // closed once the process has ended
}

// newTrainLog is an empty log of a train process with the runner's clock.
func (r *Runner) newTrainLog(ctx context.Context) (*trainLog, error) {
	tl := &trainLog{budget: r.Cfg.budget(), saveAllow: r.Cfg.saveAllowance(), budgetSteps: r.Cfg.BudgetSteps}
	var err error
	if tl.startupAllow, err = r.startupAllowance(ctx); err != nil {
		return nil, fmt.Errorf("start-up allowance: %w", err)
	}
	tl.limit = r.Cfg.trainLimit(tl.startupAllow)
	return tl, nil
}

// startTrain starts a gated train process in a new workspace in slot; a
// spare waits in the background (sandbox.Spec.Background) for its go.
func (r *Runner) startTrain(ctx context.Context, slot Slot, spare bool) (*trainProc, error) {
	tl, err := r.newTrainLog(ctx)
	if err != nil {
		return nil, err
	}
	t := &trainProc{log: tl, done: make(chan struct{}), key: r.spareKey(tl, slot), slot: slot}
	if t.root, err = os.MkdirTemp(r.Cfg.WorkDir, r.Task.Name+"-"); err != nil {
		return nil, fmt.Errorf("create workspace in %s: %w", r.Cfg.WorkDir, err)
	}
	t.dir = filepath.Join(t.root, "seed")
	if t.proc, err = r.launchTrain(ctx, t, spare); err != nil {
		os.RemoveAll(t.root)
		return nil, err
	}
	go func() {
		_, _ = t.proc.Wait()
		close(t.done)
	}()
	return t, nil
}

// launchTrain sets up t's workspace and starts its gated process.
func (r *Runner) launchTrain(ctx context.Context, t *trainProc, spare bool) (Process, error) {
	if err := r.setupWorkspace(t.dir); err != nil {
		return nil, err
	}
	iso, err := r.isolation(ctx, t.slot, t.dir, sandbox.Bind{Src: r.Splits.Train, Dst: filepath.Join(t.dir, "train.pt")})
	if err != nil {
		return nil, fmt.Errorf("train phase view: %w", err)
	}
	// Not ctx: a spare outlives the seed that started it; the seed that
	// takes it kills it at its own ctx's end.
	t.spawned = time.Now()
	return r.Exec.Start(context.WithoutCancel(ctx), sandbox.Spec{
		Args:       []string{r.Env.Python, "-u", r.Env.Script("ar_train.py"), "train.py"},
		Dir:        t.dir,
		Env:        r.trainEnv(t.dir, t.slot),
		Timeout:    t.log.limit,
		Isolation:  iso,
		Gated:      true,
		Background: spare,
		OnEvent:    func(line []byte) { t.log.add(line) },
	})
}

// alive says whether the process still waits (or runs).
func (t *trainProc) alive() bool {
	select {
	case <-t.done:
		return false
	default:
		return true
	}
}

// drop ends the process unused and removes its workspace.
func (t *trainProc) drop() {
	t.proc.Kill()
	<-t.done
	os.RemoveAll(t.root)
}

// goMessage is what the train process learns at the go: the seed and the
// runner's clock (the budget, when it started, the start-up allowance),
// so that the harness ends an honest script's training in time.
func (r *Runner) goMessage(seed int64, startup time.Duration) []byte {
	seconds := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	msg, _ := json.Marshal(map[string]map[string]string{"env": {
		"AUTORESEARCH_SEED":              strconv.FormatInt(seed, 10),
		"AUTORESEARCH_BUDGET":            strconv.FormatFloat(r.Cfg.TrainSeconds, 'g', -1, 64),
		"AUTORESEARCH_BUDGET_STEPS":      strconv.Itoa(r.Cfg.BudgetSteps),
		"AUTORESEARCH_STARTED":           strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 3, 64),
		"AUTORESEARCH_STARTUP_ALLOWANCE": seconds(startup),
	}})
	return msg
}

// spareKey is what a train process was started with, beyond the task:
// a spare serves only a seed that would have started the same process
// (a copy of a Runner with other settings shares the spares), in the
// same slot.
func (r *Runner) spareKey(tl *trainLog, slot Slot) string {
	return fmt.Sprint(tl.budget, tl.budgetSteps, tl.startupAllow, tl.saveAllow, tl.limit, r.Cfg.Isolation, r.Cfg.Hidden, slot,
		r.Cfg.Device, r.Cfg.WorkDir, r.Task.Name, r.Splits.Train, r.Env.Python, r.Env.LibDir)
}

// spares are warm train processes waiting for a seed.
type spares struct {
	mu       sync.Mutex
	procs    []*trainProc
	closed   bool
	starting sync.WaitGroup // spares being started or dropped
}

// sparesMu guards the creation of a Runner's spares.
var sparesMu sync.Mutex

// pool is r's spares, created on first use.
func (r *Runner) pool() *spares {
	sparesMu.Lock()
	defer sparesMu.Unlock()
	if r.spares == nil {
		r.spares = &spares{}
	}
	return r.spares
}

// take returns a spare started with key whose process still waits, or
// nil; dead ones are dropped.
func (s *spares) take(key string) *trainProc {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < len(s.procs); {
		t := s.procs[i]
		switch {
		case !t.alive():
			s.procs = append(s.procs[:i], s.procs[i+1:]...)
			s.starting.Go(t.drop)
		case t.key == key:
			s.procs = append(s.procs[:i], s.procs[i+1:]...)
			return t
		default:
			i++
		}
	}
	return nil
}

// put keeps t for a later seed; false once the runner is closed.
func (s *spares) put(t *trainProc) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.procs = append(s.procs, t)
	return true
}

// close ends every spare, those still starting too, and refuses new ones.
func (s *spares) close() {
	s.mu.Lock()
	procs := s.procs
	s.procs, s.closed = nil, true
	s.mu.Unlock()
	for _, t := range procs {
		t.drop()
	}
	s.starting.Wait()
}

// trainProcess is a warm spare in slot when there is one, else a new
// process.
func (r *Runner) trainProcess(ctx context.Context, slot Slot) (*trainProc, error) {
	if r.Cfg.Warm {
		tl, err := r.newTrainLog(ctx)
		if err != nil {
			return nil, err
		}
		if t := r.pool().take(r.spareKey(tl, slot)); t != nil {
			return t, nil
		}
	}
	return r.startTrain(ctx, slot, false)
}

// refill starts a spare for a later seed in slot (Cfg.Warm), in the
// background: its imports overlap this seed's training. A spare that
// cannot start is no error: the next seed starts its own.
func (r *Runner) refill(ctx context.Context, slot Slot) {
	if !r.Cfg.Warm {
		return
	}
	pool := r.pool()
	pool.starting.Add(1)
	go func() {
		defer pool.starting.Done()
		t, err := r.startTrain(context.WithoutCancel(ctx), slot, true)
		if err == nil && !pool.put(t) {
			t.drop()
		}
	}()
}

// Close ends the warm processes waiting for a seed and lets go of the
// workspaces held for decisions that never came. The runner must not be
// used after.
func (r *Runner) Close() {
	r.pool().close()
	for _, k := range r.holds().takeAll() {
		r.dispose(k.t, k.id, k.seed)
	}
}
