package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
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

// TestSlurmRunnerConforms: seeds run as jobs of a real Slurm cluster keep
// the runner's contract (researchtest.RunnerSuite), and leave nothing
// queued, running or in the work directory.
func TestSlurmRunnerConforms(t *testing.T) {
	testutil.Need(t, testutil.Runs...)
	c := testutil.StartSlurm(t)
	work := t.TempDir()
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
	hanging := func() bool { return len(testutil.ProcessesMatching("777.25")) > 0 }
	researchtest.RunnerSuite(t, researchtest.RunnerHarness{Runner: en.run, Curve: curve.Get, PastBudget: script("past_budget.py"),
		Honest: script("uniform.py"), Broken: script("raises.py"), Hang: script("sleep_forever.py"),
		Started: hanging, Left: func() bool { return hanging() || len(c.Jobs(t)) > 0 }, Sealed: true})
	if !places["slurm"] {
		t.Errorf("events placed at %v, want on a slurm job", places)
	}
	if left, _ := filepath.Glob(filepath.Join(work, "jobs", "*")); len(left) > 0 {
		t.Errorf("job folders left in the work directory: %v", left)
	}
}
