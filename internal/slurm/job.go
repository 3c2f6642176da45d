package slurm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// The files of a job's folder (under the work directory's jobs/). The
// loop writes the script and the job; the node writes events and the
// result, from its own memory: the training script runs in a workspace
// of its own on the node and cannot reach this folder.
const (
	scriptFile = "train.py"
	jobFile    = "job.json"
	batchFile  = "job.sh"
	eventsFile = "events.jsonl"
	resultFile = "result.json"
	outputFile = "slurm.out"
	idFile     = "jobid"
	ownerFile  = "owner"
)

// Job is what the node reads: the seed to run and the settings the loop
// ran with (opaque here: the command line's).
type Job struct {
	ExperimentID int64           `json:"experiment_id"`
	Seed         int64           `json:"seed"`
	Test         bool            `json:"test"` // evaluate an ok seed on the test split too (held until Finalize)
	Settings     json.RawMessage `json:"settings"`
}

// Result is what the node writes: the seed as the runner ran it and, when
// the job asked for the test split, the seed after its test evaluation.
type Result struct {
	Run   research.SeedRun  `json:"run"`
	Final *research.SeedRun `json:"final,omitempty"`
}

// ReadJob reads the job in dir and its script, for the node.
func ReadJob(dir string) (Job, string, error) {
	var j Job
	b, err := os.ReadFile(filepath.Join(dir, jobFile)) //nolint:gosec // G304: the job folder the node was started on
	if err != nil {
		return j, "", fmt.Errorf("read the job: %w", err)
	}
	if err := json.Unmarshal(b, &j); err != nil {
		return j, "", fmt.Errorf("read the job %s: %w", dir, err)
	}
	code, err := os.ReadFile(filepath.Join(dir, scriptFile)) //nolint:gosec // G304: as above
	if err != nil {
		return j, "", fmt.Errorf("read the job's script: %w", err)
	}
	return j, string(code), nil
}

// WriteResult writes the node's result in dir, whole or not at all.
func WriteResult(dir string, r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, resultFile), b)
}

// EventsFile is where the node appends its progress events, one JSON
// line each (runner.Event).
func EventsFile(dir string) string { return filepath.Join(dir, eventsFile) }

// writeAtomic writes b to path through a file renamed into place.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil { //nolint:gosec // G306: read by the loop, on shared storage
		return err
	}
	return os.Rename(tmp, path)
}

// jobDir is one seed's folder in the work directory.
type jobDir string

// newJobDir creates a seed's folder with its job and script.
func newJobDir(root, task string, j Job, code string) (jobDir, error) {
	if err := os.MkdirAll(filepath.Join(root, "jobs"), 0o755); err != nil {
		return "", fmt.Errorf("%w: create jobs folder in the work directory: %w", ErrCluster, err)
	}
	d, err := os.MkdirTemp(filepath.Join(root, "jobs"), fmt.Sprintf("%s-%d-seed-%d-", task, j.ExperimentID, j.Seed))
	if err != nil {
		return "", fmt.Errorf("%w: create a job folder: %w", ErrCluster, err)
	}
	b, err := json.Marshal(j)
	if err == nil {
		err = os.WriteFile(filepath.Join(d, jobFile), b, 0o644) //nolint:gosec // G306: read by the node
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(d, scriptFile), []byte(code), 0o644) //nolint:gosec // G306: as above
	}
	if err != nil {
		os.RemoveAll(d)
		return "", fmt.Errorf("write the job: %w", err)
	}
	return jobDir(d), nil
}

// path is the file name in d.
func (d jobDir) path(name string) string { return filepath.Join(string(d), name) }

// resultGrace is how long a job that completed may take to show its
// result here: shared storage (NFS) may show another host's new file late.
const resultGrace = 10 * time.Second

// awaitResult is the node's result, waited for up to resultGrace when the
// job completed (completed), nil when there is none.
func (d jobDir) awaitResult(completed bool) *Result {
	for end := time.Now().Add(resultGrace); ; time.Sleep(200 * time.Millisecond) {
		if r := d.result(); r != nil || !completed || time.Now().After(end) {
			return r
		}
	}
}

// result reads the node's result, nil when it wrote none.
func (d jobDir) result() *Result {
	b, err := os.ReadFile(d.path(resultFile))
	if err != nil {
		return nil
	}
	var r Result
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}

// recordJob notes the job's id and its owner (the loop's lock) before
// anything else can happen to it, so that a later run finds it.
func (d jobDir) recordJob(id, owner string) error {
	return errors.Join(writeAtomic(d.path(idFile), []byte(id)), writeAtomic(d.path(ownerFile), []byte(owner)))
}

// output is the tail of what the job printed (Slurm's output file).
func (d jobDir) output() string {
	b, _ := os.ReadFile(d.path(outputFile))
	return string(b)
}

// batchScript writes the script sbatch runs: this binary's node command
// on the job's folder.
func (d jobDir) batchScript(binary string) (string, error) {
	s := "#!/bin/sh\nexec " + shellQuote(binary) + " node " + shellQuote(string(d)) + "\n"
	p := d.path(batchFile)
	return p, os.WriteFile(p, []byte(s), 0o755) //nolint:gosec // G306: sbatch runs it
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// minutes is d as sbatch's --time, rounded up.
func minutes(d time.Duration) string {
	return strconv.Itoa(int((d + time.Minute - 1) / time.Minute))
}

// transient are sbatch's refusals that pass: a busy controller, a limit
// on the jobs a user may have queued.
var transient = []string{"Socket timed out", "Resource temporarily unavailable", "try again", "MaxSubmitJob",
	"Job violates accounting/QOS policy", "Slurm temporarily unable"}

// submitPatiently submits, and again after a while (up to 10 minutes
// in all) while sbatch's refusal is one that passes.
func (r *Runner) submitPatiently(ctx context.Context, d jobDir, name string) (string, error) {
	wait := 5 * time.Second
	for end := time.Now().Add(10 * time.Minute); ; wait = min(2*wait, time.Minute) {
		id, err := r.submit(ctx, d, name)
		if err == nil || id != "" || !isTransient(err) || time.Now().Add(wait).After(end) {
			return id, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

func isTransient(err error) bool {
	for _, s := range transient {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// submit submits the job in d and returns its id, once it is recorded in
// d. sbatch is not cut short by ctx: a job the controller took is always
// known. A job that cannot be recorded is cancelled; its id comes back
// with the error when that failed too.
func (r *Runner) submit(ctx context.Context, d jobDir, name string) (string, error) {
	script, err := d.batchScript(r.Opts.Binary)
	if err != nil {
		return "", fmt.Errorf("write the batch script: %w", err)
	}
	args := append([]string{"--parsable", "--job-name=" + name, "--output=" + d.path(outputFile), "--chdir=" + string(d),
		"--time=" + minutes(r.Opts.TimeLimit), "--nodes=1", "--ntasks=1"}, r.Opts.sbatchArgs()...)
	out, err := run(context.WithoutCancel(ctx), "sbatch", append(args, script)...)
	if err != nil {
		return "", fmt.Errorf("submit %s: %w", name, err)
	}
	id, err := jobID(out)
	if err != nil {
		return "", err
	}
	if err := d.recordJob(id, r.owner.name); err != nil {
		if cerr := cancel(context.WithoutCancel(ctx), id); cerr != nil {
			return id, fmt.Errorf("%w: record job %s: %w (and it could not be cancelled: %w)", ErrCluster, id, err, cerr)
		}
		return "", fmt.Errorf("%w: record job %s in the work directory: %w", ErrCluster, id, err)
	}
	return id, nil
}

// jobID reads sbatch --parsable's answer: "id", or "id;cluster" on a
// federation.
func jobID(out string) (string, error) {
	id, _, _ := strings.Cut(strings.TrimSpace(out), ";")
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return "", fmt.Errorf("%w: sbatch answered %q, not a job id", ErrCluster, out)
	}
	return id, nil
}

// unknownJob says whether a command failed because the controller knows
// no such job (it ended longer ago than MinJobAge).
func unknownJob(err error) bool { return strings.Contains(err.Error(), "Invalid job id") }

// state is a job's state as scontrol shows it.
type state struct {
	State  string // PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, NODE_FAIL, PREEMPTED, ...
	Node   string
	Reason string
	Exit   string // ExitCode=code:signal
}

// errGone: the controller no longer knows the job (ended longer ago than
// its MinJobAge).
var errGone = errors.New("job unknown to the controller")

// jobState asks the controller for job id's state.
func jobState(ctx context.Context, id string) (state, error) {
	out, err := run(ctx, "scontrol", "show", "job", "-o", id)
	if err != nil {
		if unknownJob(err) {
			return state{}, errGone
		}
		return state{}, err
	}
	var s state
	for _, f := range strings.Fields(out) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "JobState":
			s.State = v
		case "NodeList":
			s.Node = v
		case "Reason":
			s.Reason = v
		case "ExitCode":
			s.Exit = v
		}
	}
	if s.State == "" {
		return s, fmt.Errorf("%w: scontrol showed no state for job %s: %q", ErrCluster, id, out)
	}
	return s, nil
}

// cancel cancels job id and waits (a while) until it has ended.
func cancel(ctx context.Context, id string) error {
	if _, err := run(ctx, "scancel", id); err != nil && !unknownJob(err) &&
		!strings.Contains(err.Error(), "already completing or completed") {
		return err
	}
	for range 150 {
		s, err := jobState(ctx, id)
		if errors.Is(err, errGone) || (err == nil && ended(s.State)) {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%w: job %s still runs 30 s after scancel", ErrCluster, id)
}

// ended says whether a job in state s will not run again.
func ended(s string) bool {
	switch s {
	case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
		"RESIZING", "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "STOPPED":
		return false
	}
	return true
}
