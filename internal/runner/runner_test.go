package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// newTestRunner returns a runner for shakespeare with a tiny budget and
// short allowances, on real Python and the data the binary ships.
func newTestRunner(t *testing.T, seeds ...int64) *Runner {
	t.Helper()
	return newRunnerFor(t, "shakespeare", &task.Resolver{CacheDir: filepath.Join(cache.Dir(), "data")}, seeds...)
}

// newRunnerFor returns a runner for the built-in task name whose data res
// finds, with a tiny budget and short allowances.
func newRunnerFor(t *testing.T, name string, res *task.Resolver, seeds ...int64) *Runner {
	t.Helper()
	env := testutil.Env(t)
	tk, err := task.Load(name, "")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := tk.Dir()
	if err != nil {
		t.Fatal(err)
	}
	splits, err := Prepare(context.Background(), env, tk, dir, cache.Dir(), res)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeds) == 0 {
		seeds = []int64{42}
	}
	cfg := Config{TrainSeconds: 1, Seeds: seeds, StartupAllowance: 8 * time.Second, SaveAllowance: 2 * time.Second,
		EvalTimeout: time.Minute, Device: "cpu", WorkDir: t.TempDir()}
	return &Runner{Env: env, Task: tk, TaskDir: dir, Splits: splits, Exec: Local{}, Cfg: cfg}
}

func script(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(testutil.Script(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runSeeds runs code over r's seeds as the research pipeline does, the
// test split evaluated (as for a finalist) when r's config asks for it.
func runSeeds(ctx context.Context, r *Runner, code string) (research.Outcome, error) {
	e := &research.Experiment{Code: code}
	out, err := research.RunSeeds(ctx, r, r.Task.Direction, e, research.Standing{})
	e.Outcome = out
	if ferr := research.Finalize(ctx, r, e, r.Cfg.WithTest && err == nil && out.Failure == ""); err == nil {
		err = ferr
	}
	return e.Outcome, err
}

// TestRunnerConforms runs the runner contract's suite on the local
// executor, without isolation and under full isolation, and with warm
// processes (as the commands run it).
func TestRunnerConforms(t *testing.T) {
	for _, c := range []struct {
		level sandbox.Level
		warm  bool
	}{{sandbox.LevelNone, false}, {sandbox.LevelFull, false}, {sandbox.LevelFull, true}} {
		level := c.level
		t.Run(fmt.Sprintf("%s-warm-%v", level, c.warm), func(t *testing.T) {
			r := newTestRunner(t)
			if level == sandbox.LevelFull {
				testutil.Need(t, testutil.Bubblewrap)
				r.Cfg.Isolation = level
			}
			r.Cfg.Warm = c.warm
			t.Cleanup(r.Close)
			var curve testutil.Counter
			r.Cfg.OnEvent = func(ev Event) {
				if ev.Phase == research.PhaseTraining && ev.Loss != 0 {
					curve.Add(ev.ExperimentID)
				}
			}
			researchtest.RunnerSuite(t, researchtest.RunnerHarness{Runner: r, Curve: curve.Get, PastBudget: script(t, "past_budget.py"),
				Honest: script(t, "uniform.py"), Broken: script(t, "raises.py"), Hang: script(t, "sleep_forever.py"),
				Started: func() bool { return len(testutil.ProcessesMatching("777.25")) > 0 },
				Left:    func() bool { return len(testutil.ProcessesMatching("777.25")) > 0 },
				Sealed:  level == sandbox.LevelFull})
		})
	}
}

func TestFailureKinds(t *testing.T) {
	r := newTestRunner(t)
	cases := []struct {
		script  string
		kind    research.FailureKind
		excerpt string
	}{
		{"syntax_error.py", research.FailSyntax, "SyntaxError"},
		{"raises.py", research.FailCrash, "boom from the script"},
		{"import_error.py", research.FailImport, "no_such_module_for_autoresearch"},
		{"nan_loss.py", research.FailDivergence, "NaN"},
		{"no_save.py", research.FailExport, "save_model"},
		{"oom.py", research.FailOOM, "MemoryError"},
		{"lookahead.py", research.FailExport, "not causal"},
		{"lookahead_late.py", research.FailExport, "not causal"},
		{"lookahead_offset.py", research.FailExport, "not causal"},
	}
	for _, c := range cases {
		t.Run(c.script, func(t *testing.T) {
			out, err := runSeeds(context.Background(), r, script(t, c.script))
			if err != nil {
				t.Fatal(err)
			}
			if out.Failure != c.kind {
				t.Fatalf("failure = %q, want %q; excerpt:\n%s", out.Failure, c.kind, out.Excerpt)
			}
			if !strings.Contains(out.Excerpt, c.excerpt) {
				t.Errorf("excerpt does not mention %q:\n%s", c.excerpt, out.Excerpt)
			}
			if out.Mean != nil {
				t.Errorf("a failed run has a metric: %v", *out.Mean)
			}
		})
	}
}

// TestTheNextWindowTellsNothing: a causal model that predicts each
// window's last byte from the next window in its batch (what follows it
// in the split, were windows scored in order) scores worse than a uniform
// guess (8 bits per byte): the evaluator scores windows in an order the
// model cannot know.
func TestTheNextWindowTellsNothing(t *testing.T) {
	r := newTestRunner(t)
	out, err := runSeeds(context.Background(), r, script(t, "peek_next_window.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Mean == nil {
		t.Fatalf("want a metric, got %q: %s", out.Failure, out.Excerpt)
	}
	if *out.Mean <= 8 {
		t.Fatalf("val_bpb %.3f: below a uniform guess, the next window told the model something", *out.Mean)
	}
}

func TestFakeMetricIsIgnored(t *testing.T) {
	r := newTestRunner(t)
	out, err := runSeeds(context.Background(), r, script(t, "fake_metric.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.Mean == nil {
		t.Fatalf("want a metric, got failure %q: %s", out.Failure, out.Excerpt)
	}
	// All-zero logits are a uniform distribution over 256 bytes: 8 bits.
	if got := *out.Mean; got < 7.999 || got > 8.001 {
		t.Fatalf("val_bpb = %v, want the evaluator's 8.0, not the script's 0.0", got)
	}
}

func TestTrainPhaseSeesOnlyTrainingSplitAndNoSecrets(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "canary-key-for-test")
	t.Setenv("MY_SERVICE_TOKEN", "canary-token")
	r := newTestRunner(t, 42, 137)
	r.Cfg.WithTest = true
	out, err := runSeeds(context.Background(), r, script(t, "told_nothing.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" {
		t.Fatalf("failure %q:\n%s", out.Failure, out.Excerpt)
	}
	if len(out.Seeds) != 2 || out.Test == nil {
		t.Fatalf("want 2 seeds with a test metric, got %d seeds, test %v", len(out.Seeds), out.Test)
	}
}

func TestUniformMetricAndTimings(t *testing.T) {
	r := newTestRunner(t, 42, 137)
	r.Cfg.WithTest = true
	out, err := runSeeds(context.Background(), r, script(t, "uniform.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != "" || out.Mean == nil || out.Std == nil || out.Test == nil {
		t.Fatalf("outcome incomplete: %+v", out)
	}
	if *out.Std != 0 || *out.Mean < 7.999 || *out.Mean > 8.001 {
		t.Fatalf("mean %v ± %v, want 8 ± 0", *out.Mean, *out.Std)
	}
	s := out.Seeds[0]
	if s.ImportSeconds <= 0 || s.StartupSeconds < s.ImportSeconds || s.EvalSeconds <= 0 || s.WallSeconds < s.EvalSeconds {
		t.Errorf("timings inconsistent: %+v", s)
	}
	if len(s.Loss) != 1 || s.Loss[0].Loss != 5.5 {
		t.Errorf("loss curve = %+v, want the one logged point", s.Loss)
	}
}

func TestTimeoutKillsEverything(t *testing.T) {
	r := newTestRunner(t)
	r.Cfg.StartupAllowance, r.Cfg.SaveAllowance, r.Cfg.KillGrace = 3*time.Second, time.Second, time.Second
	start := time.Now()
	out, err := runSeeds(context.Background(), r, script(t, "sleep_forever.py"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Failure != research.FailTimeout {
		t.Fatalf("failure = %q, want timeout: %s", out.Failure, out.Excerpt)
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("took %s: the kill comes after 6 s", el)
	}
	if pids := testutil.ProcessesMatching("777.25"); len(pids) > 0 {
		t.Fatalf("processes left running after timeout: %v", pids)
	}
}

func TestCancelKillsEverything(t *testing.T) {
	r := newTestRunner(t)
	r.Cfg.TrainSeconds = 60
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(testutil.ProcessesMatching("777.25")) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
	}()
	_, err := runSeeds(ctx, r, script(t, "sleep_forever.py"))
	if err == nil {
		t.Fatal("want the context's error")
	}
	if pids := testutil.ProcessesMatching("777.25"); len(pids) > 0 {
		t.Fatalf("processes left running after cancel: %v", pids)
	}
}

// TestStepBudget: under a step budget an honest script trains exactly its
// steps, by the runner's count, and stops well before the time ceiling;
// under a step budget it cannot reach in time, the ceiling ends it and
// the seed fails (its result would not be comparable); under a time
// budget the steps are the harness's report. The script checks the
// harness's count, steps_left() and progress() as it goes (a wrong one
// crashes it).
func TestStepBudget(t *testing.T) {
	r := newTestRunner(t)
	code := script(t, "steps_honest.py")
	for _, c := range []struct {
		steps   int
		seconds float64
	}{{40, 30}, {0, 1}, {1_000_000, 1}} {
		r.Cfg.BudgetSteps, r.Cfg.TrainSeconds = c.steps, c.seconds
		out, err := runSeeds(context.Background(), r, code)
		if err != nil {
			t.Fatal(err)
		}
		s := out.Seeds[0]
		if c.steps == 1_000_000 {
			if out.Failure != research.FailOvertime || !strings.Contains(out.Excerpt, "time ceiling ended training at gradient step") {
				t.Errorf("a step budget the ceiling cuts short: %s, want overtime:\n%s", out.Failure, out.Excerpt)
			}
			continue
		}
		if out.Failure != "" || out.Mean == nil {
			t.Fatalf("%d steps at most %g s: %s\n%s", c.steps, c.seconds, out.Failure, out.Excerpt)
		}
		last := s.Loss[len(s.Loss)-1].Step
		if s.Steps != last || s.Steps < 5 || (c.steps > 0 && (s.Steps != c.steps || s.TrainSeconds > 15)) {
			t.Errorf("budget %d steps at most %g s: %d steps recorded (script's last %d) in %.1f s", c.steps, c.seconds, s.Steps, last, s.TrainSeconds)
		}
	}
}

// TestStepBudgetKeepsFailureKinds: under a step budget, a script that
// fails after the ceiling without a step fails for its own reason (here
// an import), not as one the ceiling stopped short of its steps.
func TestStepBudgetKeepsFailureKinds(t *testing.T) {
	r := newTestRunner(t)
	r.Cfg.BudgetSteps, r.Cfg.TrainSeconds = 40, 1
	code := "import time\nimport harness as H\nH.train_data()\ntime.sleep(1.5)\n" + script(t, "import_error.py")
	out, err := runSeeds(context.Background(), r, code)
	if err != nil || out.Failure != research.FailImport {
		t.Fatalf("failure %q (%v), want import:\n%s", out.Failure, err, out.Excerpt)
	}
}
