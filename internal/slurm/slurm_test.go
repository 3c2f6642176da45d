package slurm

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// fakeRunner is a Runner over fake Slurm commands (testdata/fake) whose
// jobs end in states, one per submission, and a folder they keep state in.
func fakeRunner(t *testing.T, states string) (*Runner, string) {
	t.Helper()
	fake, err := filepath.Abs("testdata/fake")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("FAKE_SLURM", dir)
	t.Setenv("FAKE_STATES", states)
	r := &Runner{P: research.Plan{TrainSeconds: 1, Seeds: []int64{42}}, Task: "t", Sealed: true,
		Opts: Options{WorkDir: t.TempDir(), Binary: "/bin/true", TimeLimit: time.Minute, Poll: 10 * time.Millisecond, Retries: 2}}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, dir
}

func submissions(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "n"))
	return strings.TrimSpace(string(b))
}

// TestJobStatesBecomeSeeds: how a job ends without the node's result
// decides the seed, and a seed the cluster took away is resubmitted, at
// most Opts.Retries times.
func TestJobStatesBecomeSeeds(t *testing.T) {
	for _, c := range []struct {
		states  string
		failure research.FailureKind
		jobs    string
		excerpt string
	}{
		{"COMPLETED", "", "1", ""},
		{"PREEMPTED,NODE_FAIL,COMPLETED", "", "3", ""},
		{"PREEMPTED,PREEMPTED,PREEMPTED", research.FailInterrupted, "3", "resubmitted at most 2 times"},
		{"TIMEOUT", research.FailTimeout, "1", "past its time limit of 1 min"},
		{"OUT_OF_MEMORY", research.FailOOM, "1", "Slurm job 1 ended OUT_OF_MEMORY"},
		{"CANCELLED", research.FailInterrupted, "1", "cancelled outside the loop"},
		{"FAILED", research.FailCrash, "1", "ended FAILED (exit 0:9) without a result"},
	} {
		t.Run(c.states, func(t *testing.T) {
			r, dir := fakeRunner(t, c.states)
			run, err := r.RunSeed(context.Background(), research.SeedSpec{ExperimentID: 1, Code: "x", Seed: 42})
			if err != nil || run.Failure != c.failure || submissions(dir) != c.jobs || !strings.Contains(run.Excerpt, c.excerpt) {
				t.Fatalf("jobs ending %s: %s %q after %s job(s), %v; want %q after %s, saying %q",
					c.states, run.Failure, run.Excerpt, submissions(dir), err, c.failure, c.jobs, c.excerpt)
			}
			if c.failure == "" && (!run.OK || run.Metric == nil || *run.Metric != 1.5 || !run.Sealed) {
				t.Fatalf("a completed job's seed: %+v, want the node's result", run)
			}
			if left, _ := filepath.Glob(filepath.Join(r.Opts.WorkDir, "jobs", "*")); len(left) > 0 {
				t.Fatalf("job folders left: %v", left)
			}
		})
	}
}

// TestUnsealedLoopTakesNoResultForSealed: below full isolation a script
// could have written the result, so it is not taken for sealed.
func TestUnsealedLoopTakesNoResultForSealed(t *testing.T) {
	r, _ := fakeRunner(t, "COMPLETED")
	r.Sealed = false
	run, err := r.RunSeed(context.Background(), research.SeedSpec{ExperimentID: 1, Code: "x", Seed: 42})
	if err != nil || !run.OK || run.Sealed {
		t.Fatalf("%+v, %v: want an ok seed, not sealed", run, err)
	}
}

// TestOneQueueQueryPerRound: jobs in flight side by side share the
// poller's rounds: one squeue each round, not one per job.
func TestOneQueueQueryPerRound(t *testing.T) {
	r, dir := fakeRunner(t, "")
	r.Opts.Poll = 200 * time.Millisecond
	r.poll = newPoller(r.Opts.Poll)
	done := make(chan error, 4)
	for i := range 4 {
		go func() {
			_, err := r.RunSeed(context.Background(), research.SeedSpec{ExperimentID: int64(i + 1), Code: "x", Seed: 42})
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "squeue-calls"))
	if n := strings.Count(string(b), "x"); n == 0 || n > 2 {
		t.Fatalf("%d squeue calls for 4 jobs that ended in the first round or two, want 1 or 2", n)
	}
}
