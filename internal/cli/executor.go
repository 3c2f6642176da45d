package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/slurm"
	"github.com/autoresearch/autoresearch/internal/task"
)

// execOpts choose where seeds run: this machine, or Slurm jobs.
type execOpts struct {
	Executor  string
	WorkDir   string
	Partition string
	Account   string
	QoS       string
	Mem       string
	CPUs      int
	GPUs      int
	Retries   int
	Args      []string
	Poll      time.Duration
}

// jobRoom is what a Slurm job's time limit allows beyond the seed's own
// limits: the node's start (its interpreter's probe, imports).
const jobRoom = 10 * time.Minute

// execFlags adds the flags that choose where seeds run.
func execFlags(cmd *cobra.Command, o *execOpts) {
	f := cmd.Flags()
	f.StringVar(&o.Executor, "executor", "local", "where seeds run: local (this machine) or slurm (one batch job per seed; needs --work-dir)")
	f.StringVar(&o.WorkDir, "work-dir", "", "slurm: a folder on storage the nodes share (prepared data, each seed's job folder, results)")
	f.StringVar(&o.Partition, "slurm-partition", "", "slurm: partition to submit to (default: the cluster's)")
	f.StringVar(&o.Account, "slurm-account", "", "slurm: account to charge")
	f.StringVar(&o.QoS, "slurm-qos", "", "slurm: quality of service")
	f.StringVar(&o.Mem, "slurm-mem", "", "slurm: memory per job, e.g. 8G (default: the partition's)")
	f.IntVar(&o.CPUs, "slurm-cpus", 0, "slurm: CPUs per job (default: the partition's, usually 1)")
	f.IntVar(&o.GPUs, "slurm-gpus", 0, "slurm: GPUs per job (--gres=gpu:N)")
	f.IntVar(&o.Retries, "slurm-retries", 2, "slurm: how often a seed whose job was preempted or whose node failed is resubmitted before it is recorded interrupted")
	f.StringArrayVar(&o.Args, "slurm-arg", nil, "slurm: another sbatch argument, passed as it is (repeatable), e.g. --slurm-arg=--constraint=a100")
	f.DurationVar(&o.Poll, "slurm-poll", time.Second, "slurm: how often each job's state is asked")
	_ = f.MarkHidden("slurm-poll")
}

// validate checks the executor's flags and makes the work directory
// absolute.
func (o *execOpts) validate() error {
	switch o.Executor {
	case "local":
		return nil
	case "slurm":
	default:
		return usageErr(fmt.Errorf("--executor %q: want local or slurm", o.Executor))
	}
	switch {
	case o.WorkDir == "":
		return usageErr(fmt.Errorf("--executor slurm needs --work-dir: a folder on storage the compute nodes share"))
	case o.CPUs < 0 || o.GPUs < 0 || o.Retries < 0 || o.Retries > 100:
		return usageErr(fmt.Errorf("--slurm-cpus, --slurm-gpus and --slurm-retries (at most 100) must not be negative"))
	case o.Poll < 10*time.Millisecond:
		return usageErr(fmt.Errorf("--slurm-poll %s: want at least 10ms", o.Poll))
	}
	abs, err := filepath.Abs(o.WorkDir)
	if err != nil {
		return usageErr(fmt.Errorf("--work-dir %s: %w", o.WorkDir, err))
	}
	o.WorkDir = abs
	return nil
}

// useWorkDir makes the work directory hold the cache (prepared data, the
// harness library) when seeds run on other machines, which read it there;
// restore puts the cache back where it was.
func (o *execOpts) useWorkDir() (restore func(), err error) {
	if o.Executor != "slurm" {
		return func() {}, nil
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, usageErr(fmt.Errorf("--work-dir %s cannot be created: %w", o.WorkDir, err))
	}
	was, set := os.LookupEnv(cache.EnvDir)
	restore = func() {
		if set {
			_ = os.Setenv(cache.EnvDir, was)
		} else {
			_ = os.Unsetenv(cache.EnvDir)
		}
	}
	return restore, os.Setenv(cache.EnvDir, filepath.Join(o.WorkDir, "cache"))
}

// engine is where an experiment's seeds run: the local runner (which
// also holds the settings, the interpreter and the prepared data), or
// Slurm jobs set up from it.
type engine struct {
	local   *runner.Runner
	run     research.Runner
	slurm   *slurm.Runner
	restore func() // the cache's place before the work directory held it
}

// newEngine builds the runner the executor asks for.
func newEngine(ctx context.Context, g *globalOpts, s Streams, t *task.Task, o runOpts) (*engine, error) {
	restore, err := o.Exec.useWorkDir()
	if err != nil {
		return nil, err
	}
	local, err := newRunner(ctx, g, s, t, o)
	if err != nil {
		restore()
		return nil, err
	}
	e := &engine{local: local, run: local, restore: restore}
	if o.Exec.Executor != "slurm" {
		return e, nil
	}
	if e.slurm, err = newSlurm(ctx, g, s, t, o, local); err != nil {
		e.Close()
		return nil, err
	}
	e.run, local.Cfg.Slots = e.slurm, nil // this machine runs no seed
	return e, nil
}

// nodeSettings is what a node needs to run a seed as the loop would.
type nodeSettings struct {
	Global globalOpts `json:"global"`
	Run    runOpts    `json:"run"`
	Cache  string     `json:"cache"`
}

// nodeSettingsFor is what the nodes run with: the loop's settings, its
// paths absolute (a job starts in its own folder), the interpreter the
// loop found, and the isolation level the loop chose, required (strict)
// when it is full: a node without it fails its jobs rather than running
// scripts that could reach the work directory.
func nodeSettingsFor(g *globalOpts, o runOpts, local *runner.Runner) nodeSettings {
	gl := *g
	for _, p := range []*string{&gl.DB, &gl.TaskDir, &gl.DataDir} {
		if *p != "" {
			*p, _ = filepath.Abs(*p)
		}
	}
	gl.Python = local.Env.Python
	if local.Cfg.Isolation == sandbox.LevelFull {
		o.Isolation = "strict"
	}
	return nodeSettings{Global: gl, Run: o, Cache: cache.Dir()}
}

// newSlurm sets up the Slurm runner and cancels what dead loops left.
func newSlurm(ctx context.Context, g *globalOpts, s Streams, t *task.Task, o runOpts, local *runner.Runner) (*slurm.Runner, error) {
	limit, err := local.SeedLimit(ctx)
	if err != nil {
		return nil, err
	}
	bin, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this binary for the nodes: %w", err)
	}
	settings, err := json.Marshal(nodeSettingsFor(g, o, local))
	if err != nil {
		return nil, err
	}
	opts := o.Exec.slurmOptions()
	opts.Binary, opts.TimeLimit, opts.KeepJobs = bin, limit+jobRoom, o.KeepWorkspaces
	r := &slurm.Runner{P: local.Plan(), Task: t.Name, Settings: settings, Test: local.Cfg.WithTest, Opts: opts,
		Sealed: local.Cfg.Isolation == sandbox.LevelFull}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	ids, err := slurm.Leftovers(ctx, opts.WorkDir)
	if len(ids) > 0 {
		fmt.Fprintf(s.Err, "cancelled %d Slurm job(s) a loop that died had left: %v\n", len(ids), ids)
	}
	if err != nil {
		fmt.Fprintf(s.Err, "warning: not every job a dead loop left could be cancelled (a later run tries again): %v\n", err)
	}
	return r, nil
}

// slurmOptions are the flags' part of the Slurm runner's options.
func (o *execOpts) slurmOptions() slurm.Options {
	return slurm.Options{WorkDir: o.WorkDir, Partition: o.Partition, Account: o.Account, QoS: o.QoS, Mem: o.Mem,
		CPUs: o.CPUs, GPUs: o.GPUs, Extra: o.Args, Poll: o.Poll, Retries: o.Retries}
}

// onEvent sends every seed's progress to f.
func (e *engine) onEvent(f func(runner.Event)) {
	e.local.Cfg.OnEvent = f
	if e.slurm != nil {
		e.slurm.OnEvent = f
	}
}

// Close ends what the engine holds.
func (e *engine) Close() {
	if e.slurm != nil {
		e.slurm.Close()
	}
	e.local.Close()
	e.restore()
}

// workers is how many experiments are in flight: one per slot on this
// machine; under Slurm --workers jobs (default 1).
func (e *engine) workers(o runOpts) int {
	if e.slurm != nil {
		return max(1, o.Workers)
	}
	return max(1, len(e.local.Cfg.Slots))
}

// where says where seeds run, for the headers: Slurm jobs, or nothing
// for this machine.
func (e *engine) where() string {
	if e.slurm != nil {
		return " · slurm jobs from " + e.slurm.Opts.WorkDir
	}
	return ""
}
