// Package slurm runs seeds as Slurm batch jobs (research.Runner, with
// research.Finalizer): each seed is one job that runs this same binary's
// node command on a compute node, which runs the seed's train and
// evaluate phases with the local runner, under the same isolation as on
// the loop's machine. The seed's folder lies in a work directory on
// shared storage: the loop writes the script and the job there, the node
// its progress events and its result. The loop polls the job's state,
// forwards its events (live curves), cancels it when its context ends,
// resubmits a preempted or node-failed seed a bounded number of times,
// and cancels on start the jobs of a loop that died (Leftovers).
package slurm

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
)

// Options say how seeds are submitted.
type Options struct {
	WorkDir   string        // shared by the loop's machine and the nodes
	Binary    string        // this binary, as the nodes see it
	TimeLimit time.Duration // a job's --time: the seed's own limits and room for start-up
	Partition string
	Account   string
	QoS       string
	Mem       string // --mem, e.g. 8G
	CPUs      int    // --cpus-per-task
	GPUs      int    // --gres=gpu:N
	Extra     []string
	Poll      time.Duration // how often a job's state is asked (default 1 s)
	Retries   int           // how often a preempted or node-failed seed is resubmitted
	KeepJobs  bool          // keep each seed's job folder
}

// sbatchArgs are the options' sbatch arguments beyond the job's own.
func (o Options) sbatchArgs() []string {
	var a []string
	for _, kv := range [][2]string{{"--partition", o.Partition}, {"--account", o.Account}, {"--qos", o.QoS}, {"--mem", o.Mem}} {
		if kv[1] != "" {
			a = append(a, kv[0]+"="+kv[1])
		}
	}
	if o.CPUs > 0 {
		a = append(a, "--cpus-per-task="+strconv.Itoa(o.CPUs))
	}
	if o.GPUs > 0 {
		a = append(a, "--gres=gpu:"+strconv.Itoa(o.GPUs))
	}
	return append(a, o.Extra...)
}

// Runner runs seeds as Slurm jobs.
type Runner struct {
	Opts     Options
	P        research.Plan
	Task     string
	Settings json.RawMessage // what the node runs with (the command line's settings)
	Test     bool            // ok seeds are evaluated on the test split on the node, held for Finalize
	// Sealed: the nodes run under full isolation (strict), so a result in
	// a job's folder is the node's. Otherwise a script could have written
	// it, and no seed is taken for sealed.
	Sealed  bool
	OnEvent func(runner.Event) // progress, with where the seed runs

	owner  *owner
	poll   *poller
	mu     sync.Mutex
	finals map[[2]int64]*research.SeedRun // a seed after its test evaluation, until Finalize
}

var (
	_ research.Runner    = (*Runner)(nil)
	_ research.Finalizer = (*Runner)(nil)
)

// Start checks the cluster and claims the work directory for this loop;
// call Close when done, and Leftovers for what loops that died left.
func (r *Runner) Start(ctx context.Context) error {
	if err := Ping(ctx); err != nil {
		return err
	}
	o, err := claim(r.Opts.WorkDir)
	if err != nil {
		return err
	}
	r.owner, r.finals = o, map[[2]int64]*research.SeedRun{}
	if r.Opts.Poll <= 0 {
		r.Opts.Poll = time.Second
	}
	r.poll = newPoller(r.Opts.Poll)
	return nil
}

// Ping says whether the controller answers.
func Ping(ctx context.Context) error {
	out, err := run(ctx, "scontrol", "ping")
	if err != nil {
		return fmt.Errorf("the Slurm controller does not answer: %w", err)
	}
	if !strings.Contains(out, "is UP") {
		return fmt.Errorf("%w: the Slurm controller is not up: %s", ErrCluster, strings.TrimSpace(out))
	}
	return nil
}

// Close lets go of the work directory's claim.
func (r *Runner) Close() {
	if r.owner != nil {
		r.owner.release()
	}
}

// Plan implements research.Runner.
func (r *Runner) Plan() research.Plan { return r.P }

// RunSeed implements research.Runner: one job per seed (resubmitted when
// preempted or its node failed, at most Opts.Retries times). A job that
// ends without the node's result is a failed seed; a cancelled context
// cancels the job and is the error. The seed's folder goes once its job
// is known to have ended; the folder of a job that may still run stays,
// for a later run to cancel (Leftovers).
func (r *Runner) RunSeed(ctx context.Context, s research.SeedSpec) (research.SeedRun, error) {
	d, err := newJobDir(r.Opts.WorkDir, r.Task, Job{ExperimentID: s.ExperimentID, Seed: s.Seed, Test: r.Test, Settings: r.Settings}, s.Code)
	if err != nil {
		return research.SeedRun{Seed: s.Seed}, err
	}
	run, settled, err := r.attempts(ctx, d, s)
	if settled {
		r.release(d)
	}
	if err != nil {
		return research.SeedRun{Seed: s.Seed}, err
	}
	if r.OnEvent != nil {
		r.OnEvent(runner.Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseDone, Run: &run})
	}
	return run, nil
}

// attempts submits s's job, and again while the cluster takes it away;
// settled says whether its last job is known to have ended.
func (r *Runner) attempts(ctx context.Context, d jobDir, s research.SeedSpec) (research.SeedRun, bool, error) {
	name := fmt.Sprintf("autoresearch-%s-%d-seed-%d", r.Task, s.ExperimentID, s.Seed)
	for attempt := 0; ; attempt++ {
		id, err := r.submitPatiently(ctx, d, name)
		if err != nil {
			return research.SeedRun{}, id == "", err
		}
		st, err := r.watch(ctx, d, id, s)
		if err != nil { // settled only when the job was cancelled for sure
			return research.SeedRun{}, st.State == "CANCELLED", err
		}
		run, retry := r.outcome(d, id, st, s)
		if !retry || attempt >= r.Opts.Retries {
			return run, true, nil
		}
		os.Remove(d.path(eventsFile))
	}
}

// release lets go of a seed's folder once its job has ended: removed, or
// kept (Opts.KeepJobs) and then owned by no loop, so that no later run
// takes it for a leftover.
func (r *Runner) release(d jobDir) {
	if r.Opts.KeepJobs {
		os.Remove(d.path(ownerFile))
		return
	}
	os.RemoveAll(string(d))
}

// controllerPatience is how long a controller may not answer (a restart,
// a failover) before the seeds in flight are given up.
const controllerPatience = 5 * time.Minute

// watch follows job id's state (the poller's rounds) until it has ended,
// forwarding the node's events; when ctx ends it cancels the job. The
// controller may fail to answer for a while (a restart) before that is
// an error.
func (r *Runner) watch(ctx context.Context, d jobDir, id string, s research.SeedSpec) (state, error) {
	defer r.poll.forget(id)
	tail := &tailer{path: d.path(eventsFile)}
	var downSince time.Time
	for {
		st, err := r.poll.state(ctx, id)
		switch {
		case ctx.Err() != nil:
			if err := cancel(context.WithoutCancel(ctx), id); err != nil {
				return state{}, errors.Join(ctx.Err(), err)
			}
			return state{State: "CANCELLED"}, ctx.Err()
		case err != nil:
			if downSince.IsZero() {
				downSince = time.Now()
			} else if time.Since(downSince) > controllerPatience {
				return state{}, fmt.Errorf("%w: job %s: the controller has not answered for %s: %w", research.ErrLost, id, controllerPatience, err)
			}
			continue
		}
		downSince = time.Time{}
		r.forward(tail, st, id, s)
		if ended(st.State) {
			return st, nil
		}
	}
}

// forward hands the node's new events on, placed on the job and its node,
// and says once that the job waits in the queue, and why.
func (r *Runner) forward(t *tailer, st state, id string, s research.SeedSpec) {
	place := "slurm job " + id
	if st.Node != "" && st.Node != "(null)" {
		place += " on " + st.Node
	}
	if st.State == "PENDING" && !t.queued && r.OnEvent != nil {
		t.queued = true
		r.OnEvent(runner.Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseQueued, Place: place + " (pending: " + st.Reason + ")"})
	}
	for _, ev := range t.next() {
		if r.OnEvent == nil || ev.Phase == research.PhaseDone || ev.ExperimentID != s.ExperimentID || ev.Seed != s.Seed {
			continue
		}
		ev.Place, ev.Run = place, nil
		r.OnEvent(ev)
	}
}

// outcome is the seed as job id ended (st): the node's result when it
// wrote one, else a failure that says how the job ended; retry when the
// cluster, not the seed, ended it (preemption, a node's failure).
func (r *Runner) outcome(d jobDir, id string, st state, s research.SeedSpec) (research.SeedRun, bool) {
	if res := d.awaitResult(st.State == "COMPLETED"); res != nil {
		run := res.Run
		run.Seed = s.Seed
		run.Sealed = run.Sealed && r.Sealed
		if res.Final != nil {
			r.mu.Lock()
			r.finals[[2]int64{s.ExperimentID, s.Seed}] = res.Final
			r.mu.Unlock()
		}
		return run, false
	}
	failure, why, retry := r.lost(st)
	how := fmt.Sprintf("Slurm job %s ended %s", id, st.State)
	if st.Reason != "" && st.Reason != "None" {
		how += " (" + st.Reason + ")"
	}
	excerpt := research.Clip(how+why+"\n"+runner.Excerpt(d.output()), 4000)
	return research.SeedRun{Seed: s.Seed, Failure: failure, Excerpt: excerpt}, retry
}

// lost is what a job that ended in st without the node's result makes of
// its seed: the failure, what to add to how it ended, and whether to
// submit it again (the cluster, not the seed, ended it).
func (r *Runner) lost(st state) (research.FailureKind, string, bool) {
	switch st.State {
	case "TIMEOUT", "DEADLINE":
		return research.FailTimeout, fmt.Sprintf(": past its time limit of %s min", minutes(r.Opts.TimeLimit)), false
	case "OUT_OF_MEMORY":
		return research.FailOOM, "", false
	case "CANCELLED":
		return research.FailInterrupted, ": cancelled outside the loop (scancel?)", false
	case "PREEMPTED", "NODE_FAIL", "BOOT_FAIL":
		return research.FailInterrupted, fmt.Sprintf(": resubmitted at most %d times", r.Opts.Retries), true
	}
	return research.FailCrash, " (exit " + st.Exit + ") without a result", false
}

// Finalize implements research.Finalizer: an ok seed's test evaluation,
// made on its node, becomes its test metric (test), or its failure when
// the model failed there; either way it is let go.
func (r *Runner) Finalize(_ context.Context, id int64, seeds []research.SeedRun, test bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range seeds {
		key := [2]int64{id, seeds[i].Seed}
		f := r.finals[key]
		delete(r.finals, key)
		if !test || f == nil || !seeds[i].OK {
			continue
		}
		seeds[i].TestMetric, seeds[i].TestSeconds = f.TestMetric, f.TestSeconds
		if !f.OK {
			seeds[i].OK, seeds[i].Failure, seeds[i].Excerpt = false, f.Failure, f.Excerpt
		}
	}
	return nil
}

// tailer reads the lines a file gained since it last looked (the node's
// events), and remembers whether the job was said to be queued.
type tailer struct {
	path   string
	off    int64
	queued bool
}

// next returns the events whole lines gained since the last call.
func (t *tailer) next() []runner.Event {
	f, err := os.Open(t.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(t.off, io.SeekStart); err != nil {
		return nil
	}
	var out []runner.Event
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadBytes('\n')
		if err != nil { // a line not yet whole waits for the next look
			return out
		}
		t.off += int64(len(line))
		var ev runner.Event
		if json.Unmarshal(line, &ev) == nil {
			out = append(out, ev)
		}
	}
}
