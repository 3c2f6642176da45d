package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// TestAdversarialSuite runs every hostile script of testdata/adversarial
// under full isolation with the production allowances, one after the
// other through one runner per task, and checks each: the outcome it must
// get (a metric, which must be the evaluator's real 8.0, or a failure kind
// with the words its excerpt must hold), the proof where it declares one
// that the attack works without the protection, nothing left running, a
// database and another experiment's workspace beside it intact, and the
// runner still working for the next one.
func TestAdversarialSuite(t *testing.T) {
	testutil.Need(t, testutil.Bubblewrap, testutil.FashionMNIST)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-canary-adversarial")
	s := newSuite(t)
	files, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "testdata", "adversarial", "*.py"))
	if len(files) < 39 {
		t.Fatalf("%d adversarial scripts, want at least 39", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".py"), func(t *testing.T) {
			a := loadAdversary(t, f, s.subst)
			r := s.runner(t, a)
			out, err := runSeeds(context.Background(), r, a.code)
			if err != nil {
				t.Fatalf("the runner stopped: %v", err)
			}
			checkOutcome(t, a, out)
			s.victims.check(t)
			checkNothingLeft(t)
			s.prove(t, a, r)
		})
	}
}

// adversary is one hostile script and what it must get. Its first lines
// say so: "# expect: KIND[|KIND]" (or "metric"), and optionally
// "# excerpt: WORDS", "# task: NAME" (default shakespeare), "# include:
// FILE" (put before the script, from include/), "# startup: SECONDS" (a
// start-up allowance other than the default), "# budget-steps: N" (a
// step budget) and "# proof: ..." (how the suite shows the attack works
// without the protection).
type adversary struct {
	code, excerpt, task, proof string
	want                       []string
	startup                    time.Duration
	budgetSteps                int
}

func loadAdversary(t *testing.T, path string, subst *strings.Replacer) adversary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a := adversary{code: subst.Replace(string(b)), task: "shakespeare"}
	for _, line := range strings.Split(a.code, "\n") {
		key, value, ok := strings.Cut(strings.TrimPrefix(line, "# "), ": ")
		if !strings.HasPrefix(line, "# ") || !ok || strings.Contains(key, " ") {
			break
		}
		a.set(t, key, value)
	}
	if len(a.want) == 0 {
		t.Fatalf("%s has no '# expect:' line", path)
	}
	return a
}

func (a *adversary) set(t *testing.T, key, value string) {
	switch key {
	case "expect":
		a.want = strings.Split(value, "|")
	case "excerpt":
		a.excerpt = value
	case "task":
		a.task = value
	case "proof":
		a.proof = value
	case "startup":
		d, err := time.ParseDuration(value + "s")
		if err != nil {
			t.Fatalf("startup %q: %v", value, err)
		}
		a.startup = d
	case "budget-steps":
		n, err := strconv.Atoi(value)
		if err != nil {
			t.Fatalf("budget-steps %q: %v", value, err)
		}
		a.budgetSteps = n
	case "include":
		b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "testdata", "adversarial", "include", value))
		if err != nil {
			t.Fatal(err)
		}
		a.code = string(b) + "\n" + a.code
	default:
		t.Fatalf("unknown header %q", key)
	}
}

func checkOutcome(t *testing.T, a adversary, out research.Outcome) {
	t.Helper()
	if strings.Contains(out.Excerpt, "ESCAPED") {
		t.Fatalf("the script escaped:\n%s", out.Excerpt)
	}
	if slices.Equal(a.want, []string{"metric"}) {
		if out.Failure != "" || out.Mean == nil {
			t.Fatalf("want the evaluator's metric, got failure %q:\n%s", out.Failure, out.Excerpt)
		}
		if *out.Mean < 7.999 || *out.Mean > 8.001 {
			t.Fatalf("val_bpb %v: the uniform model scores 8.0; anything else was faked", *out.Mean)
		}
		if !out.Sealed {
			t.Fatal("a result under full isolation is not marked sealed")
		}
		return
	}
	if !slices.Contains(a.want, string(out.Failure)) || out.Mean != nil {
		t.Fatalf("failure %q (metric %v), want %q:\n%s", out.Failure, out.Mean, a.want, out.Excerpt)
	}
	if !strings.Contains(out.Excerpt, a.excerpt) {
		t.Fatalf("excerpt does not say %q:\n%s", a.excerpt, out.Excerpt)
	}
	if len(out.Excerpt) > 8000 {
		t.Fatalf("excerpt of %d bytes is not bounded", len(out.Excerpt))
	}
}

// checkNothingLeft: no process this package started (their command lines
// name its cache folder: the harness, bubblewrap's mounts), and no daemon
// the scripts name ar-adversary, outlives a run. (Processes of the sandbox
// user are not counted: other packages' tests run beside this one.)
func checkNothingLeft(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := append(testutil.ProcessesMatching("ar-adversary"), testutil.ProcessesMatching(os.Getenv("AUTORESEARCH_CACHE_DIR"))...)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left running after the run: %v", testutil.Describe(left))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// victims are what a hostile script would like to damage: a database and
// another experiment's workspace next to its own.
type victims struct {
	db        *sqlite.DB
	model     string
	modelData []byte
}

func plantVictims(t *testing.T, workDir string) *victims {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(workDir, "autoresearch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &research.Experiment{Task: "shakespeare", Mode: research.ModeBaseline, Code: "print(1)\n", Status: research.StatusRunning}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(workDir, "shakespeare-other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	v := &victims{db: db, model: filepath.Join(other, "model.pt"), modelData: []byte("another experiment's model")}
	if err := os.WriteFile(v.model, v.modelData, 0o644); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *victims) check(t *testing.T) {
	t.Helper()
	if err := v.db.Check(context.Background()); err != nil {
		t.Fatalf("database damaged: %v", err)
	}
	if list, err := v.db.List(context.Background(), "shakespeare", true); err != nil || len(list) != 1 || list[0].Code != "print(1)\n" {
		t.Fatalf("database content changed: %v %v", list, err)
	}
	if b, err := os.ReadFile(v.model); err != nil || string(b) != string(v.modelData) {
		t.Fatalf("another experiment's workspace was tampered with: %q %v", b, err)
	}
}
