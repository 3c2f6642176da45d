package tune

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// script is a training script whose space declares a learning rate and a
// batch size, with body standing for the rest of its structure.
func script(lr float64, batch int, body string) string {
	return fmt.Sprintf("import harness as H\n# @search-space begin\nlr: float = %g  # log 1e-4 .. 3e-2\n"+
		"batch: int = %d  # choice 16 32 64 128\n# @search-space end\n%s\n", lr, batch, body)
}

// store is a task's experiments, as the proposer's History reads them.
type store struct{ list []research.Experiment }

func (s *store) history(context.Context) ([]research.Experiment, error) {
	return slices.Clone(s.list), nil
}

// finish records code as an experiment with status st and metric v (nil:
// none), or failed with kind.
func (s *store) finish(code string, st research.Status, v *float64, kind research.FailureKind) {
	s.list = append(s.list, research.Experiment{ID: int64(len(s.list) + 1), Seq: int64(len(s.list) + 1), Code: code, Status: st,
		Outcome: research.Outcome{Mean: v, Failure: kind}})
}

func ptr(v float64) *float64 { return &v }

// distance is how many decades lr lies from 1e-3, the objective's optimum.
func distance(code string) float64 {
	ps, _ := task.ParseSpace(code)
	return math.Abs(math.Log10(ps[0].Value) + 3)
}

func newProposer(t *testing.T, sampler string, d research.Direction, s *store) *Proposer {
	t.Helper()
	testutil.Need(t, testutil.Optuna)
	p := &Proposer{Sampler: sampler, Env: testutil.Env(t), Direction: d, History: s.history, Seed: 7}
	t.Cleanup(p.Close)
	return p
}

// measured is a store of n points spread over the learning rate's domain
// whose metric is their distance from lr 1e-3.
func measured(n int) *store {
	s := &store{}
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: test data
	for range n {
		code := script(math.Pow(10, -4+rng.Float64()*2.47), []int{16, 32, 64, 128}[rng.IntN(4)], "train()")
		s.finish(code, research.StatusDiscarded, ptr(distance(code)), "")
	}
	return s
}

func proposeN(t *testing.T, p *Proposer, parent string, n int) []string {
	t.Helper()
	var codes []string
	for range n {
		prop, err := p.Propose(context.Background(), research.Request{Parent: research.Experiment{Seq: 1, Code: parent}})
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, prop.Code)
	}
	return codes
}

func medianDistance(codes []string) float64 {
	d := make([]float64, len(codes))
	for i, c := range codes {
		d[i] = distance(c)
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// Both samplers learn from what the store measured, whichever proposer
// measured it: towards the optimum when lower is better, away from it
// when higher is. The store's points lie a median 0.8 decades away.
func TestLearnsFromTheStoreInItsDirection(t *testing.T) {
	for _, sampler := range []string{TPE, CMAES} {
		t.Run(sampler, func(t *testing.T) {
			s := measured(24)
			near := medianDistance(proposeN(t, newProposer(t, sampler, research.Minimize, s), s.list[0].Code, 8))
			if near > 0.4 {
				t.Errorf("minimising: proposals lie a median %.2f decades from the optimum, want under 0.4", near)
			}
			far := medianDistance(proposeN(t, newProposer(t, sampler, research.Maximize, s), s.list[0].Code, 8))
			if far < 0.8 {
				t.Errorf("maximising: proposals lie a median %.2f decades from the worst point, want over 0.8", far)
			}
		})
	}
}

// A proposal's result reaches the study once its experiment finishes,
// as the trial that asked for it; a structure changed elsewhere in the
// script starts a study of its own.
func TestToldWhatItsProposalsMeasured(t *testing.T) {
	s := &store{}
	base := script(3e-3, 32, "train()")
	s.finish(base, research.StatusKept, ptr(0.5), "")
	p := newProposer(t, TPE, research.Minimize, s)
	code := proposeN(t, p, base, 1)[0]
	if len(p.pending) != 1 || len(p.fed) != 1 {
		t.Fatalf("after one proposal: %d pending, %d known, want 1 and 1", len(p.pending), len(p.fed))
	}
	s.finish(code, research.StatusDiscarded, ptr(0.6), "")
	proposeN(t, p, base, 1)
	if _, still := p.pending[code]; still || len(p.fed) != 2 {
		t.Fatalf("the finished proposal was not told: pending %v, %d known", p.pending, len(p.fed))
	}
	if c := count(t, p); c.Complete != 2 || c.Failed != 0 {
		t.Fatalf("the study holds %+v, want the baseline and the told trial complete", c)
	}
	s.finish(proposeN(t, p, base, 1)[0], research.StatusInterrupted, nil, research.FailInterrupted)
	proposeN(t, p, base, 1)
	proposeN(t, p, base, 1) // the interrupted one is told once, as saying nothing
	if c := count(t, p); c.Complete != 2 || c.Failed != 1 {
		t.Fatalf("after an interrupted proposal the study holds %+v, want 2 complete and 1 failed", c)
	}
	other := script(3e-3, 32, "train(twice=True)")
	proposeN(t, p, other, 1)
	if p.structure != task.Structure(other) || len(p.fed) != 0 {
		t.Fatalf("a new structure kept the old study (%d points)", len(p.fed))
	}
}

type counts struct{ Complete, Failed int }

func count(t *testing.T, p *Proposer) counts {
	t.Helper()
	var c counts
	if err := p.h.call(context.Background(), map[string]string{"op": "count"}, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// With few points CMA-ES starts at the parent's values and steps around
// them at a sixth of every domain: the learning rate moves by tenths of
// decades, not thousandths, and the choice moves too.
func TestCMAESStepsAroundTheParent(t *testing.T) {
	s := measured(3)
	parent := script(1e-3, 32, "train()")
	codes := proposeN(t, newProposer(t, CMAES, research.Minimize, s), parent, 8)
	moved, batches := 0.0, map[float64]bool{}
	for _, c := range codes {
		moved = math.Max(moved, distance(c))
		ps, _ := task.ParseSpace(c)
		batches[ps[1].Value] = true
	}
	if moved < 0.2 || moved > 1.5 || len(batches) < 2 {
		t.Fatalf("8 proposals moved lr at most %.2f decades (want 0.2 to 1.5) over %d batch sizes (want 2 or more)", moved, len(batches))
	}
}

// A run that its settings broke counts as the worst value measured; one
// that says nothing of them (interrupted, rejected) is left out.
func TestLedgerValuesFailures(t *testing.T) {
	s := &store{}
	s.finish(script(1e-3, 32, "train()"), research.StatusKept, ptr(0.4), "")
	s.finish(script(2e-3, 32, "train()"), research.StatusDiscarded, ptr(0.7), "")
	s.finish(script(3e-2, 128, "train()"), research.StatusFailed, nil, research.FailOOM)
	s.finish(script(4e-3, 64, "train()"), research.StatusFailed, nil, research.FailTamper)
	s.finish(script(5e-3, 64, "train()"), research.StatusInterrupted, nil, research.FailInterrupted)
	s.finish(script(6e-3, 16, "train()"), research.StatusRunning, nil, "")
	s.finish(script(7e-3, 16, "other()"), research.StatusKept, ptr(0.1), "")
	for d, worst := range map[research.Direction]float64{research.Minimize: 0.7, research.Maximize: 0.4} {
		l := newLedger(s.list[0].Code, s.list, d)
		if len(l.points) != 3 || l.measured[s.list[2].Code] != worst {
			t.Errorf("%s: %d points, the OOM's value %v, want 3 and %v", d, len(l.points), l.measured[s.list[2].Code], worst)
		}
		if len(l.silent) != 2 || l.silent[0].id != 4 || !l.running[s.list[5].Code] {
			t.Errorf("%s: silent %d, running %v", d, len(l.silent), l.running)
		}
	}
}

// A space whose every point was measured or is in flight ends the
// proposals with a clear error, not a repeated experiment.
func TestExhaustedSpaceIsAnError(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	src := "# @search-space begin\na: int = 1  # choice 1 2\nb: int = 1  # choice 1 2\n# @search-space end\ntrain()\n"
	s := &store{}
	s.finish(src, research.StatusKept, ptr(1), "")
	p := newProposer(t, TPE, research.Minimize, s)
	seen := map[string]bool{src: true}
	for range 3 {
		code := proposeN(t, p, src, 1)[0]
		if seen[code] {
			t.Fatalf("proposed twice:\n%s", code)
		}
		seen[code] = true
	}
	_, err := p.Propose(context.Background(), research.Request{Parent: research.Experiment{Code: src}})
	if err == nil || !strings.Contains(err.Error(), "exhausted") {
		t.Fatalf("a fifth point of four: %v", err)
	}
}

// A helper that died is replaced at the next proposal, which learns the
// store afresh.
func TestRestartsAfterTheHelperDies(t *testing.T) {
	s := measured(5)
	p := newProposer(t, CMAES, research.Minimize, s)
	proposeN(t, p, s.list[0].Code, 1)
	_ = p.h.cmd.Process.Kill()
	<-p.h.done
	if _, err := p.Propose(context.Background(), research.Request{Parent: s.list[0]}); err == nil || !strings.Contains(err.Error(), "the optimiser stopped") {
		t.Fatalf("a proposal from a dead helper: %v", err)
	}
	proposeN(t, p, s.list[0].Code, 1)
	if len(p.fed) != 5 {
		t.Fatalf("the new study knows %d points, want the store's 5", len(p.fed))
	}
}

// Without Optuna the proposer refuses to start, naming what to install.
func TestWithoutOptunaSaysWhatToInstall(t *testing.T) {
	env := testutil.Env(t)
	shim := filepath.Join(t.TempDir(), "python")
	// -S: no site packages, so no Optuna (the harness's own files stay on PYTHONPATH).
	if err := os.WriteFile(shim, []byte("#!/bin/sh\nexec "+env.Python+" -S \"$@\"\n"), 0o755); err != nil { //nolint:gosec // G306: an executable
		t.Fatal(err)
	}
	bare := *env
	bare.Python = shim
	p := &Proposer{Sampler: TPE, Env: &bare, Direction: research.Minimize}
	defer p.Close()
	err := p.Start(context.Background())
	if !errors.Is(err, ErrNoOptimiser) || !strings.Contains(err.Error(), "apt-get install python3-optuna") {
		t.Fatalf("err = %v", err)
	}
}
