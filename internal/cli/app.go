package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

func openDB(ctx context.Context, g *globalOpts) (*sqlite.DB, error) {
	return sqlite.Open(ctx, g.DB)
}

func loadTask(g *globalOpts) (*task.Task, error) {
	return task.Load(g.Task, g.TaskDir)
}

func newResolver(g *globalOpts, s Streams) *task.Resolver {
	return &task.Resolver{
		FlagDir:  g.DataDir,
		EnvDir:   os.Getenv(task.EnvDataDir),
		CacheDir: filepath.Join(cache.Dir(), "data"),
		Progress: s.Err,
		ShowBar:  s.IsTTY,
	}
}

// runOpts are the flags of the commands that run experiments.
type runOpts struct {
	TrainSeconds   float64
	BudgetSteps    int
	Seeds          []int64
	Device         string
	NoTest         bool
	StartupAllow   time.Duration
	SaveAllow      time.Duration
	KeepWorkspaces bool
	Isolation      string
	Accept         string
	MaxSeeds       int
	ConfirmSeeds   int
	Devices        string // --devices: auto or a list
	Workers        int    // seeds in flight at once (run's --workers; 0: one per device)
	Exec           execOpts
}

// budget is the training budget asked for: --train-seconds (else the
// task's) and --budget-steps.
func (o *runOpts) budget(t *task.Task) research.Budget {
	return research.Budget{Seconds: cmp.Or(o.TrainSeconds, t.TrainSeconds), Steps: o.BudgetSteps}
}

// baselineSeeds is how many seeds a baseline runs when --seeds does not
// say: enough to measure the task's noise floor on this machine.
const baselineSeeds = 5

func (o *runOpts) validate() error {
	switch {
	case o.TrainSeconds < 0 || o.TrainSeconds > 7*24*3600:
		return usageErr(fmt.Errorf("--train-seconds %g is out of range (0 < s <= 604800)", o.TrainSeconds))
	case o.BudgetSteps < 0 || o.BudgetSteps > 1_000_000_000:
		return usageErr(fmt.Errorf("--budget-steps %d is out of range (0: a time budget, else 1 to 1000000000 gradient steps)", o.BudgetSteps))
	case o.StartupAllow < 0 || o.SaveAllow < 0 || o.StartupAllow > time.Hour || o.SaveAllow > time.Hour:
		return usageErr(fmt.Errorf("--startup-allowance and --save-allowance must be between 0 (the default) and 1h"))
	}
	if !research.AcceptRule(o.Accept).Valid() {
		return usageErr(fmt.Errorf("--accept %q: want margin (keep only improvements larger than the noise floor allows by chance) or mean (any better mean)", o.Accept))
	}
	if o.MaxSeeds < 0 || o.MaxSeeds > 100 {
		return usageErr(fmt.Errorf("--max-seeds %d is out of range (0: twice the planned seeds, else 1 to 100)", o.MaxSeeds))
	}
	if o.ConfirmSeeds < -1 || o.ConfirmSeeds > 100 {
		return usageErr(fmt.Errorf("--confirm-seeds %d is out of range (-1: as many as planned, 0: none, else up to 100)", o.ConfirmSeeds))
	}
	if err := o.checkDevices(); err != nil {
		return err
	}
	if err := o.Exec.validate(); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, s := range o.Seeds {
		if seen[s] {
			return usageErr(fmt.Errorf("--seeds lists %d twice", s))
		}
		seen[s] = true
	}
	return nil
}

// newRunner finds Python, prepares the task's data and returns a runner
// configured from o and the task's defaults.
func newRunner(ctx context.Context, g *globalOpts, s Streams, t *task.Task, o runOpts) (*runner.Runner, error) {
	level, err := chooseIsolation(ctx, s, o.Isolation)
	if err != nil {
		return nil, err
	}
	env, err := pyenv.New(ctx, g.Python)
	if err != nil {
		return nil, err
	}
	dir, err := t.Dir()
	if err != nil {
		return nil, err
	}
	root := cache.Dir()
	if !runner.IsPrepared(root, t) {
		fmt.Fprintf(s.Err, "preparing %s data (once)...\n", t.Name)
	}
	splits, err := runner.Prepare(ctx, env, t, dir, root, newResolver(g, s))
	if err != nil {
		return nil, err
	}
	work := filepath.Join(root, "runs")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, fmt.Errorf("create workspace folder: %w", err)
	}
	slots, err := o.slots(ctx, env)
	if err != nil {
		return nil, err
	}
	b := o.budget(t)
	cfg := runner.Config{Slots: slots,
		TrainSeconds: b.Seconds, BudgetSteps: b.Steps, Seeds: t.Seeds, Device: o.Device, WithTest: !o.NoTest,
		StartupAllowance: o.StartupAllow, SaveAllowance: o.SaveAllow, EvalTimeout: runner.DefaultEvalTimeout,
		WorkDir: work, KeepWorkspaces: o.KeepWorkspaces, Isolation: level, Hidden: hidden(g, s, root), Warm: true,
	}
	cfg.BaselineSeeds, cfg.MaxSeeds = baselineSeeds, o.MaxSeeds
	if len(o.Seeds) > 0 {
		cfg.Seeds, cfg.BaselineSeeds = o.Seeds, 0 // the seeds asked for, no more
	}
	if cfg.ConfirmSeeds = o.ConfirmSeeds; cfg.ConfirmSeeds < 0 {
		cfg.ConfirmSeeds = len(cfg.Seeds)
	}
	if cfg.Device == "auto" && onlyCPU(slots) {
		cfg.Device = "cpu"
	}
	return &runner.Runner{Env: env, Task: t, TaskDir: dir, Splits: splits, Exec: runner.Local{}, Cfg: cfg}, nil
}

// hidden is what the sandbox keeps out of sight even under a folder it
// shows, for the built-in tasks and the --task-dir one.
func hidden(g *globalOpts, s Streams, cacheRoot string) []string {
	list, _ := task.BuiltIn()
	if g.TaskDir != "" {
		if t, err := loadTask(g); err == nil {
			list = append(list, t)
		}
	}
	return runner.HiddenPaths(newResolver(g, s), list, cacheRoot, g.DB)
}

// chooseIsolation picks the isolation level and says once what it is.
func chooseIsolation(ctx context.Context, s Streams, requested string) (sandbox.Level, error) {
	c := sandbox.Detect(ctx)
	level, err := sandbox.Choose(requested, c)
	if errors.Is(err, sandbox.ErrNotIsolated) {
		return "", err
	} else if err != nil {
		return "", usageErr(err)
	}
	switch {
	case level == sandbox.LevelNone && requested == "none":
		fmt.Fprintln(s.Err, "warning: --isolation none: scripts run as plain processes with your network and files; results are marked unsealed")
	case level != sandbox.LevelFull:
		fmt.Fprintf(s.Err, "warning: isolation %s only (no file-system view; results are marked unsealed): %s\n", level, c.Reason)
	}
	return level, nil
}

// closeDB closes d, keeping the first error.
func closeDB(d io.Closer, err *error) {
	if cerr := d.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}
