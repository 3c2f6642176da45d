package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/slurm"
)

// newNodeCmd is what a Slurm job runs on its compute node: one seed of
// the job folder given, with the local runner, as the loop would have
// run it (internal; the loop submits it).
func newNodeCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:    "node JOB_DIR",
		Short:  "Run one seed of a Slurm job (internal: the loop submits it)",
		Args:   cobra.ExactArgs(1),
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNode(cmd.Context(), s, args[0])
		},
	}
}

func runNode(ctx context.Context, s Streams, dir string) error {
	job, code, err := slurm.ReadJob(dir)
	if err != nil {
		return err
	}
	r, err := jobRunner(ctx, s, job)
	if err != nil {
		return err
	}
	defer r.Close()
	events, err := os.OpenFile(slurm.EventsFile(dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) //nolint:gosec // G302: read by the loop
	if err != nil {
		return fmt.Errorf("open the job's events: %w", err)
	}
	defer events.Close()
	r.Cfg.OnEvent = eventWriter(events)
	run, err := r.RunSeed(ctx, research.SeedSpec{ExperimentID: job.ExperimentID, Code: code, Seed: job.Seed})
	if err != nil {
		return err
	}
	return writeResult(ctx, r, dir, job, run)
}

// jobRunner is the local runner job's settings describe.
func jobRunner(ctx context.Context, s Streams, job slurm.Job) (*runner.Runner, error) {
	var set nodeSettings
	if err := json.Unmarshal(job.Settings, &set); err != nil {
		return nil, fmt.Errorf("read the job's settings: %w", err)
	}
	if err := os.Setenv(cache.EnvDir, set.Cache); err != nil {
		return nil, err
	}
	r, err := nodeRunner(ctx, s, &set)
	if err != nil {
		return nil, err
	}
	r.Cfg.WithTest = job.Test
	return r, nil
}

// writeResult writes run, and for an ok seed of a job that asks for it
// the seed after its test evaluation, as the job's result.
func writeResult(ctx context.Context, r *runner.Runner, dir string, job slurm.Job, run research.SeedRun) error {
	res := slurm.Result{Run: run}
	seeds := []research.SeedRun{run}
	if err := r.Finalize(ctx, job.ExperimentID, seeds, job.Test && run.OK); err != nil {
		return err
	}
	if job.Test && run.OK {
		res.Final = &seeds[0]
	}
	return slurm.WriteResult(dir, res)
}

// nodeRunner is the local runner for a job's seed: one seed, no spare,
// the job's CPUs as torch's threads.
func nodeRunner(ctx context.Context, s Streams, set *nodeSettings) (*runner.Runner, error) {
	t, err := loadTask(&set.Global)
	if err != nil {
		return nil, err
	}
	o := set.Run
	o.Workers, o.Exec = 1, execOpts{Executor: "local"}
	r, err := newRunner(ctx, &set.Global, s, t, o)
	if err != nil {
		return nil, err
	}
	r.Cfg.Warm = false
	if n := jobCPUs(); n > 0 && len(r.Cfg.Slots) == 1 {
		r.Cfg.Slots[0].Threads = n
	}
	return r, nil
}

// jobCPUs are the CPUs Slurm gave the job (0: not said): without a
// cgroup or affinity plugin the job sees every core of its node, so its
// torch is told how many are its own.
func jobCPUs() int {
	for _, k := range []string{"SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"} {
		if n, err := strconv.Atoi(os.Getenv(k)); err == nil && n > 0 {
			return n
		}
	}
	return 0
}

// eventWriter appends each event to f as a JSON line.
func eventWriter(f *os.File) func(runner.Event) {
	var mu sync.Mutex
	enc := json.NewEncoder(f)
	return func(ev runner.Event) {
		ev.Run = nil
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(ev)
	}
}
