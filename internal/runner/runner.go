// Package runner runs one seed of an experiment (research.Runner): a train
// phase (the untrusted script, in the sandbox, handed only the training
// split) and a trusted evaluate phase (the task's evaluator on the
// exported model). It classifies failures, enforces the time budget from
// outside, and prepares task data once; seeds, aggregation and the
// decision belong to research. Processes go through an Executor so that stronger
// isolation or a cluster can replace local execution.
package runner

import (
	"context"
	"time"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/task"
)

// Executor starts processes. The contract is sandbox.Start's: a gated
// process waits for Go and its clock and deadline start there; Wait's
// error means the process could not run or ctx was cancelled, and then
// nothing of it is left running; a non-zero exit is a Result.
type Executor interface {
	Start(ctx context.Context, spec sandbox.Spec) (Process, error)
}

// Process is a started process (sandbox.Proc). Wait may be called more
// than once and from several goroutines.
type Process interface {
	Go(msg []byte)
	Wait() (sandbox.Result, error)
	Kill()
}

// Local runs processes on this machine with sandbox.Start.
type Local struct{}

var _ Executor = Local{}

// Start implements Executor.
func (Local) Start(ctx context.Context, spec sandbox.Spec) (Process, error) {
	p, err := sandbox.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Defaults for Config's allowances and limits. The start-up allowance
// covers what the built-in baselines need to start on a CPU (about 1-2 s
// measured, docs/BENCHMARKS.md) with room for a busy machine; CUDA
// initialisation adds CUDAStartup.
const (
	DefaultStartupAllowance = 5 * time.Second
	CUDAStartup             = 10 * time.Second
	MinKillGrace            = 10 * time.Second
	DefaultEvalTimeout      = 5 * time.Minute
)

// Config sets how experiments run.
type Config struct {
	TrainSeconds float64
	// BudgetSteps, when positive, budgets training in gradient steps
	// (backward passes, counted by the harness): a step past it is
	// overtime, and TrainSeconds is the ceiling.
	BudgetSteps int
	Seeds       []int64
	// BaselineSeeds, MaxSeeds and ConfirmSeeds are the plan's
	// (research.Plan): how many seeds a baseline runs, how many an
	// experiment may get at most, how many confirm a keep.
	BaselineSeeds int
	MaxSeeds      int
	ConfirmSeeds  int
	// The runner judges training time by its own clock, from the train
	// process's go to its end: StartupAllowance (at most; less when the
	// harness's training clock started sooner, and less what a warm
	// process did before its go) covers interpreter start, imports and
	// data loading (zero: the task's startup_seconds, else
	// DefaultStartupAllowance, plus CUDAStartup where CUDA is available),
	// SaveAllowance the export after the budget (zero: max(1 s, 3 % of the
	// budget)). Work past them is overtime. The process is killed
	// KillGrace later still (zero: max(10 s, a quarter of the budget)), so
	// that a modest overrun is measured, not cut.
	StartupAllowance time.Duration
	SaveAllowance    time.Duration
	KillGrace        time.Duration
	EvalTimeout      time.Duration
	// Hidden paths stay out of both phases' sight even where they lie
	// under a folder the sandbox shows: every place a task's data may be
	// found, the prepared splits, the database.
	Hidden         []string
	WithTest       bool   // evaluate finalists on the test split (research.Finalizer)
	PlainEval      bool   // evaluate the model as exported, one call at a time, as the evaluator did before it was made fast (to compare)
	Device         string // "auto" (CUDA, MPS, CPU) or a torch device
	WorkDir        string // workspaces are created here
	KeepWorkspaces bool
	// Warm keeps a train process that has imported torch ready for the
	// next seed (started while this one trains, handed its seed and script
	// on the runner's go): call Close when done.
	Warm      bool
	Isolation sandbox.Level // how both phases are confined (empty: none)
	OnEvent   func(Event)   // progress; called from the runner's goroutines
	// Slots are where seeds run (Slots): one seed per slot at a time, its
	// processes pinned to the slot's cores and shown its device. None:
	// seeds run side by side wherever the machine puts them.
	Slots []Slot
}

// Event is progress of a running seed.
type Event struct {
	ExperimentID int64 // the recorded experiment's (research.SeedSpec), 0 when unknown
	Seed         int64
	Phase        research.Phase
	Step         int
	Loss         float64
	Run          *research.SeedRun // set when Phase is research.PhaseDone
	Place        string            // where the seed runs (Slot.Place), when known
}

// Runner runs scripts of one task.
type Runner struct {
	Env     *pyenv.Env
	Task    *task.Task
	TaskDir string
	Splits  Splits
	Exec    Executor
	Cfg     Config

	spares *spares // warm train processes (Cfg.Warm), created on first use (pool)
	held   *held   // seeds' workspaces kept for their experiment's decision (holds)
	seats  *seats  // the free slots (seat)
}

var _ research.Runner = (*Runner)(nil)

func (r *Runner) emit(ev Event) {
	if r.Cfg.OnEvent != nil {
		r.Cfg.OnEvent(ev)
	}
}

// budget is the training budget as a duration.
func (c Config) budget() time.Duration { return time.Duration(c.TrainSeconds * float64(time.Second)) }

// saveAllowance is the time allowed after the budget to export the model.
func (c Config) saveAllowance() time.Duration {
	if c.SaveAllowance > 0 {
		return c.SaveAllowance
	}
	return max(time.Second, c.budget()*3/100)
}

// trainLimit is when the train process is killed, from its start, given
// its start-up allowance.
func (c Config) trainLimit(startup time.Duration) time.Duration {
	grace := c.KillGrace
	if grace <= 0 {
		grace = max(MinKillGrace, c.budget()/4)
	}
	return startup + c.budget() + c.saveAllowance() + grace
}

// startupAllowance is Cfg.StartupAllowance or, when that is zero, the
// task's start-up seconds (else DefaultStartupAllowance) plus CUDAStartup
// where this interpreter's torch can use CUDA and the device is not the
// CPU: CUDA's initialisation is start-up, not training.
func (r *Runner) startupAllowance(ctx context.Context) (time.Duration, error) {
	if r.Cfg.StartupAllowance > 0 {
		return r.Cfg.StartupAllowance, nil
	}
	d := DefaultStartupAllowance
	if r.Task.StartupSeconds > 0 {
		d = time.Duration(r.Task.StartupSeconds * float64(time.Second))
	}
	if r.Cfg.Device == "cpu" {
		return d, nil
	}
	cuda, err := r.Env.CUDA(ctx)
	if err != nil {
		return 0, err
	}
	if cuda {
		d += CUDAStartup
	}
	return d, nil
}

// Plan implements research.Runner.
func (r *Runner) Plan() research.Plan {
	c := r.Cfg
	return research.Plan{TrainSeconds: c.TrainSeconds, BudgetSteps: c.BudgetSteps, Seeds: c.Seeds, BaselineSeeds: c.BaselineSeeds, MaxSeeds: c.MaxSeeds,
		ConfirmSeeds: c.ConfirmSeeds}
}

// RunSeed implements research.Runner: the train phase of s.Code with
// s.Seed in a workspace of its own (a warm process's, see trainProc) and,
// when it produced a model, the evaluate phase. The workspace lies in a
// private folder of its own, kept with Cfg.KeepWorkspaces (and then
// renamed <task>-<experiment ID>-seed-<seed>-...).
func (r *Runner) RunSeed(ctx context.Context, s research.SeedSpec) (research.SeedRun, error) {
	slot, free, err := r.seat(ctx)
	if err != nil {
		return research.SeedRun{Seed: s.Seed}, err
	}
	defer free()
	start := time.Now() // the wait for a slot is not the seed's
	t, err := r.trainProcess(ctx, slot)
	if err != nil {
		return research.SeedRun{Seed: s.Seed}, err
	}
	run, err := r.runSeed(ctx, t, s, start)
	r.release(t, s, run.OK && err == nil)
	if err == nil {
		r.emit(Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseDone, Run: &run, Place: slot.Place()})
	}
	return run, err
}

// release ends t's process (if still there) and holds its workspace for
// the experiment's decision when a finalist's test metric may be wanted
// (Cfg.WithTest and the seed ok), else lets it go (dispose).
func (r *Runner) release(t *trainProc, s research.SeedSpec, ok bool) {
	t.proc.Kill()
	<-t.done
	if ok && r.Cfg.WithTest {
		r.holds().hold(s, t)
		return
	}
	r.dispose(t, s.ExperimentID, s.Seed)
}

// SeedLimit is the longest one seed may take by the runner's own limits:
// its train process's deadline and two evaluations (validation, test).
func (r *Runner) SeedLimit(ctx context.Context) (time.Duration, error) {
	startup, err := r.startupAllowance(ctx)
	if err != nil {
		return 0, err
	}
	return r.Cfg.trainLimit(startup) + 2*r.Cfg.EvalTimeout, nil
}
