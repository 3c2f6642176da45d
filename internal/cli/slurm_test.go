package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// slurmOpts run seeds as jobs of the test's cluster, polled often.
func slurmOpts(work string) runOpts {
	return runOpts{TrainSeconds: 1, Seeds: []int64{42}, StartupAllow: 8 * time.Second, SaveAllow: 2 * time.Second,
		Device: "auto", Devices: "auto", Isolation: "auto", Accept: string(research.AcceptMargin), ConfirmSeeds: -1,
		Exec: execOpts{Executor: "slurm", WorkDir: work, Poll: 200 * time.Millisecond, Retries: 1}}
}

// hangScript writes sleep_forever.py with a marker of its own (its
// child's sleep) and returns its path and the marker: other packages'
// tests, run at the same time, look for the script's own marker.
func hangScript(t *testing.T) (string, string) {
	t.Helper()
	b, err := os.ReadFile(testutil.Script("sleep_forever.py"))
	if err != nil {
		t.Fatal(err)
	}
	marker := fmt.Sprintf("%d.%d", 800+time.Now().UnixNano()%100, os.Getpid()%1000)
	code := strings.ReplaceAll(string(b), "777.25", marker)
	if code == string(b) {
		t.Fatal("sleep_forever.py no longer sleeps 777.25 in its child")
	}
	path := filepath.Join(t.TempDir(), "hang.py")
	if err := os.WriteFile(path, []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, marker
}

// slurmEngine is the engine of shakespeare's seeds as jobs of the test's
// cluster, from the work directory work.
func slurmEngine(t *testing.T, work string) *engine {
	t.Helper()
	g := &globalOpts{DB: filepath.Join(t.TempDir(), "x.db"), Task: "shakespeare"}
	tk, err := loadTask(g)
	if err != nil {
		t.Fatal(err)
	}
	en, err := newEngine(context.Background(), g, Streams{Out: os.Stdout, Err: os.Stderr}, tk, slurmOpts(work))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(en.Close)
	return en
}

// TestSlurmRunnerConforms: seeds run as jobs of a real Slurm cluster keep
// the runner's contract (researchtest.RunnerSuite), and leave nothing
// queued, running or in the work directory.
func TestSlurmRunnerConforms(t *testing.T) {
	testutil.Need(t, testutil.Runs...)
	c := testutil.StartSlurm(t)
	work := t.TempDir()
	en := slurmEngine(t, work)
	var curve testutil.Counter
	places := map[string]bool{}
	en.onEvent(func(ev runner.Event) {
		if ev.Phase == research.PhaseTraining && ev.Loss != 0 {
			curve.Add(ev.ExperimentID)
			places[strings.Fields(ev.Place + " x")[0]] = true
		}
	})
	script := func(name string) string {
		b, err := os.ReadFile(testutil.Script(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	hang, marker := hangScript(t)
	hanging := func() bool { return len(testutil.ProcessesMatching(marker)) > 0 }
	hangCode, err := os.ReadFile(hang)
	if err != nil {
		t.Fatal(err)
	}
	researchtest.RunnerSuite(t, researchtest.RunnerHarness{Runner: en.run, Curve: curve.Get, PastBudget: script("past_budget.py"),
		Honest: script("uniform.py"), Broken: script("raises.py"), Hang: string(hangCode),
		Started: hanging, Left: func() bool { return hanging() || len(c.Jobs(t)) > 0 }, Sealed: true})
	if !places["slurm"] {
		t.Errorf("events placed at %v, want on a slurm job", places)
	}
	if left, _ := filepath.Glob(filepath.Join(work, "jobs", "*")); len(left) > 0 {
		t.Errorf("job folders left in the work directory: %v", left)
	}
}

// waitJob waits until the cluster runs a job and returns its id.
func waitJob(t *testing.T, c *testutil.Cluster) string {
	t.Helper()
	for range 300 {
		for _, j := range c.Jobs(t) {
			if id, st, _ := strings.Cut(j, ":"); st == "RUNNING" {
				return id
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no job ran within 30 s")
	return ""
}

// TestSlurmJobCancelledOutside: a job cancelled from outside the loop
// (scancel) interrupts its seed, which is no error, and the daemon its
// script left in a session of its own dies with the job: bubblewrap
// inside the job contains what Slurm's process tracking may not.
func TestSlurmJobCancelledOutside(t *testing.T) {
	testutil.Need(t, testutil.Runs...)
	c := testutil.StartSlurm(t)
	en := slurmEngine(t, t.TempDir())
	code, err := os.ReadFile(testutil.Script("setsid_daemon.py"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan research.SeedRun)
	go func() {
		run, err := en.run.RunSeed(context.Background(), research.SeedSpec{ExperimentID: 1, Code: string(code), Seed: 42})
		if err != nil {
			t.Error(err)
		}
		done <- run
	}()
	id := waitJob(t, c)
	for len(testutil.ProcessesMatching("313.37")) == 0 {
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := exec.Command("scancel", id).CombinedOutput(); err != nil {
		t.Fatalf("scancel %s: %v %s", id, err, out)
	}
	run := <-done
	if run.Failure != research.FailInterrupted || !strings.Contains(run.Excerpt, "CANCELLED") {
		t.Fatalf("seed of a job cancelled outside: %s %q, want interrupted, saying so", run.Failure, run.Excerpt)
	}
	if left := testutil.ProcessesMatching("313.37"); len(left) > 0 {
		t.Fatalf("the setsid daemon %v outlived its job", left)
	}
}

// TestSlurmTimeoutAndLoop: a loop of several experiments through Slurm,
// two jobs in flight, ends with every experiment decided and nothing
// queued; a seed that never ends is stopped at its time limit.
func TestSlurmTimeoutAndLoop(t *testing.T) {
	c := testutil.StartSlurm(t)
	db := setupData(t)
	work := t.TempDir()
	ctx := context.Background()
	slurmArgs := []string{"--db", db, "--executor", "slurm", "--work-dir", work, "--slurm-poll", "200ms"}
	code, out, errOut := run(ctx, t, append(append([]string{"run", "--max-experiments", "3", "--workers", "2", "--proposer", "search",
		"--search-seed", "3"}, slurmArgs...), fast...)...)
	if code != 0 || !strings.Contains(out, "2 worker(s) · slurm jobs from "+work) {
		t.Fatalf("run through slurm: exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	if len(exps) != 4 {
		t.Fatalf("%d experiments recorded, want the baseline and 3", len(exps))
	}
	if !overlapped(t, c) {
		t.Fatal("no two of the loop's jobs ran at the same time with two workers")
	}
	for _, e := range exps {
		if e.Status == research.StatusRunning || e.Status == research.StatusInterrupted {
			t.Fatalf("#%d %s after the loop", e.Seq, e.Status)
		}
	}
	hang, _ := hangScript(t)
	code, out, errOut = run(ctx, t, append(append([]string{"eval", hang}, slurmArgs...), fast...)...)
	if code != ExitFailed || !strings.Contains(out, "failed (timeout)") {
		t.Fatalf("a seed that never ends: exit %d\n%s\n%s", code, out, errOut)
	}
	if jobs := c.Jobs(t); len(jobs) > 0 {
		t.Fatalf("jobs left after the loop: %v", jobs)
	}
}

// TestSlurmLoopKilledAndControllerDown: the jobs of a loop killed with
// SIGKILL are cancelled by the next run, which says so; with the
// controller down a run stops with a clear error and its own exit code,
// and what was recorded stays.
func TestSlurmLoopKilledAndControllerDown(t *testing.T) {
	c := testutil.StartSlurm(t)
	db := setupData(t)
	work := t.TempDir()
	slurmArgs := []string{"--db", db, "--executor", "slurm", "--work-dir", work, "--slurm-poll", "200ms"}
	hang, _ := hangScript(t)
	cmd := exec.Command(os.Args[0], append(append([]string{"eval", hang}, slurmArgs...), fast...)...)
	cmd.Env = append(os.Environ(), asCLI+"=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	id := waitJob(t, c)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if jobs := c.Jobs(t); len(jobs) != 1 {
		t.Fatalf("jobs after the kill: %v, want the one it left", jobs)
	}
	ctx := context.Background()
	code, out, errOut := run(ctx, t, append(append([]string{"baseline"}, slurmArgs...), fast...)...)
	if code != 0 || !strings.Contains(errOut, "cancelled 1 Slurm job(s) a loop that died had left: ["+id+"]") {
		t.Fatalf("the run after the kill: exit %d\n%s\n%s", code, out, errOut)
	}
	if jobs := c.Jobs(t); len(jobs) > 0 {
		t.Fatalf("jobs left: %v", jobs)
	}
	before := statusJSON(t, db)
	c.Stop()
	code, out, errOut = run(ctx, t, append(append([]string{"run", "--max-experiments", "1", "--proposer", "search"}, slurmArgs...), fast...)...)
	if code != ExitCluster || !strings.Contains(errOut, "the Slurm controller does not answer") {
		t.Fatalf("controller down: exit %d, want %d\n%s\n%s", code, ExitCluster, out, errOut)
	}
	if after := statusJSON(t, db); len(after) != len(before) {
		t.Fatalf("%d experiments recorded before the controller went down, %d after", len(before), len(after))
	}
}

// TestSlurmDoctor: doctor checks the cluster: the controller, the
// partition (a wrong one fails), and that a node sees the work directory.
func TestSlurmDoctor(t *testing.T) {
	testutil.StartSlurm(t)
	work := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "d.db")
	_, out, errOut := run(ctx, t, "doctor", "--db", db, "--executor", "slurm", "--work-dir", work, "--slurm-partition", "debug")
	for _, want := range []string{"OK    slurm", "OK    partition      debug is up", "OK    work dir       " + work + " is writable here and seen by the nodes"} {
		if !strings.Contains(out, want) {
			t.Fatalf("doctor on a working cluster: want %q in\n%s%s", want, out, errOut)
		}
	}
	code, out, _ := run(ctx, t, "doctor", "--db", db, "--executor", "slurm", "--work-dir", work, "--slurm-partition", "gpu-a100")
	if code != ExitEnvironment || !strings.Contains(out, "FAIL  partition      gpu-a100 does not exist here") {
		t.Fatalf("doctor with a partition that does not exist: exit %d\n%s", code, out)
	}
}

// overlapped says whether two of the cluster's finished jobs ran at the
// same time (its job completion log: start and end to the second).
func overlapped(t *testing.T, c *testutil.Cluster) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir, "jobcomp.log"))
	if err != nil {
		t.Fatal(err)
	}
	var spans [][2]string
	for _, line := range strings.Split(string(b), "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			f[k] = v
		}
		spans = append(spans, [2]string{f["StartTime"], f["EndTime"]})
	}
	for i, a := range spans {
		for _, b := range spans[i+1:] {
			if a[0] != "" && b[0] != "" && a[0] < b[1] && b[0] < a[1] {
				return true
			}
		}
	}
	return false
}
