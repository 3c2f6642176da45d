package research_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// chosenRunner scores "m=<metric> d=<milliseconds>" with that metric
// after that delay, so experiments finish out of the order they started.
type chosenRunner struct{}

func (chosenRunner) Plan() research.Plan {
	return research.Plan{TrainSeconds: 1, Seeds: []int64{1}}
}

func (chosenRunner) RunSeed(ctx context.Context, s research.SeedSpec) (research.SeedRun, error) {
	var m float64
	var d int
	if _, err := fmt.Sscanf(s.Code, "m=%g d=%d", &m, &d); err != nil {
		return research.SeedRun{Seed: s.Seed, Failure: research.FailCrash, Excerpt: err.Error()}, nil
	}
	select {
	case <-time.After(time.Duration(d) * time.Millisecond):
	case <-ctx.Done():
		return research.SeedRun{Seed: s.Seed}, ctx.Err()
	}
	return research.SeedRun{Seed: s.Seed, OK: true, Metric: &m, Sealed: true}, nil
}

// chosenScripts proposes scripts with random metrics and delays.
type chosenScripts struct {
	mu  sync.Mutex
	rng *rand.Rand
}

func (c *chosenScripts) next() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("m=%.4f d=%d", c.rng.Float64()*5, c.rng.IntN(40))
}

func (c *chosenScripts) Propose(context.Context, research.Request) (research.Proposal, error) {
	return research.Proposal{Code: c.next(), Description: "chosen", Category: research.CategoryOther}, nil
}

var goal = research.Goal{Metric: "m", Direction: research.Minimize}

// evals runs n evals of chosen scripts on db, as `autoresearch eval` does.
func evals(t *testing.T, db *sqlite.DB, scripts *chosenScripts, n int, who string) {
	for range n {
		e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: scripts.next(), Description: who}
		if err := research.RunOne(context.Background(), db, chosenRunner{}, goal, e); err != nil {
			t.Error(err)
		}
	}
}

// TestEvalProcess is the body of the eval processes that the test below
// starts (this test binary again): evals on the database
// $AR_TEST_EVAL_DB. Run directly, without it, it does nothing.
func TestEvalProcess(t *testing.T) {
	path := os.Getenv("AR_TEST_EVAL_DB")
	if path == "" {
		return
	}
	seed, _ := strconv.ParseUint(os.Getenv("AR_TEST_EVAL_SEED"), 10, 64)
	evals(t, openDB(t, path), &chosenScripts{rng: rand.New(rand.NewPCG(seed, 5))}, 20, "process")
}

// startEvalProcesses starts n eval processes on the database at path.
// Wait on each for its end; their output says what went wrong.
func startEvalProcesses(t *testing.T, path string, n int) []*exec.Cmd {
	var cmds []*exec.Cmd
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEvalProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "AR_TEST_EVAL_DB="+path, fmt.Sprintf("AR_TEST_EVAL_SEED=%d", 100+i))
		cmd.Stdout = &bytes.Buffer{}
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

// TestKeepsHoldWithExperimentsInFlight: the loop with three workers, two
// concurrent evals on a second connection and two eval processes on the
// same database, with experiments finishing out of order: every kept
// experiment beat the best of those kept before it finished, and the
// best is the best by metric.
func TestKeepsHoldWithExperimentsInFlight(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	loopDB, evalDB := openDB(t, path), openDB(t, path)
	if err := loopDB.SetGoal(ctx, "t", goal); err != nil { // before the processes race to record it
		t.Fatal(err)
	}
	procs := startEvalProcesses(t, path, 2)
	waitFor(t, loopDB, "process") // so that the loop runs while they do
	scripts := &chosenScripts{rng: rand.New(rand.NewPCG(7, 11))}
	l := &research.Loop{Task: "t", Goal: goal, Store: loopDB, Runner: chosenRunner{}, Proposer: scripts,
		Validator: acceptAll{}, Strategy: research.DefaultStrategy(rand.New(rand.NewPCG(3, 4))), Workers: 3,
		Limits: research.Limits{MaxExperiments: 30}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { evals(t, evalDB, scripts, 8, "goroutine") })
	}
	if _, err := l.Run(ctx, "m=4.5 d=0"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("eval process: %v\n%s", err, p.Stdout)
		}
	}
	researchtest.CheckKeeps(t, loopDB, "t", research.Minimize, 2)
	checkInterleaved(t, loopDB)
}

// checkInterleaved: the loop's 31 experiments, 8 evals from each of 2
// goroutines and 20 from each of 2 processes were recorded, and the processes' evals ran
// while the loop did (numbered among its experiments).
func checkInterleaved(t *testing.T, db *sqlite.DB) {
	list, _ := db.List(context.Background(), "t", false)
	var loopFirst, loopLast int64
	count := map[string]int{}
	inside := 0
	for _, e := range list {
		count[e.Description]++
		if e.Mode != research.ModeEval {
			loopLast = e.Seq
			loopFirst = cmp.Or(loopFirst, e.Seq)
		}
	}
	for _, e := range list {
		if e.Description == "process" && e.Seq > loopFirst && e.Seq < loopLast {
			inside++
		}
	}
	if len(list) != 87 || count["process"] != 40 || count["goroutine"] != 16 || inside == 0 {
		t.Fatalf("%d experiments, %v by description, %d of the processes' between the loop's first and last; "+
			"want 87, 40 and 16, and some", len(list), count, inside)
	}
}

// waitFor waits until an experiment described who is recorded.
func waitFor(t *testing.T, db *sqlite.DB, who string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		list, err := db.List(context.Background(), "t", false)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(list, func(e research.Experiment) bool { return e.Description == who }) {
			return
		}
	}
	t.Fatalf("no experiment by the %s after a minute", who)
}

// keptIn counts the kept experiments of task t.
func keptIn(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	list, err := db.List(context.Background(), "t", false)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range list {
		if e.Status == research.StatusKept {
			n++
		}
	}
	return n
}

func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// noisyChosen scores "m=<metric> d=<milliseconds>" as chosenRunner does,
// plus noise drawn from the seed (std 0.3), with 2 planned seeds, 5 for a
// baseline and 2 of confirmation: the margin rule at work.
type noisyChosen struct{ chosenRunner }

func (noisyChosen) Plan() research.Plan {
	return research.Plan{TrainSeconds: 1, Seeds: []int64{1, 2}, BaselineSeeds: 5, ConfirmSeeds: 2}
}

func (r noisyChosen) RunSeed(ctx context.Context, s research.SeedSpec) (research.SeedRun, error) {
	run, err := r.chosenRunner.RunSeed(ctx, s)
	if run.OK {
		m := *run.Metric + 0.3*rand.New(rand.NewPCG(uint64(s.Seed), 1)).NormFloat64()
		run.Metric = &m
	}
	return run, err
}

// TestMarginKeepsHoldWithWorkers: the loop with three workers and evals
// on a second connection under the margin rule, with noisy seeds: every
// kept experiment beat the best kept before it finished, the best is the
// best by metric, the noise floor was measured, and every keep over a
// best ran its confirmation seeds before it was decided.
func TestMarginKeepsHoldWithWorkers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	loopDB, evalDB := openDB(t, path), openDB(t, path)
	scripts := &chosenScripts{rng: rand.New(rand.NewPCG(8, 12))}
	strategy := research.DefaultStrategy(rand.New(rand.NewPCG(5, 6)))
	round := func() *research.Loop {
		return &research.Loop{Task: "t", Goal: goal, Store: loopDB, Runner: noisyChosen{}, Proposer: scripts,
			Validator: acceptAll{}, Strategy: strategy, Workers: 3, Limits: research.Limits{MaxExperiments: 40}}
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		waitForKept(t, evalDB) // an experiment that starts without a best is not confirmed: there is nothing to beat
		for range 10 {
			e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: scripts.next(), Description: "eval"}
			if err := research.RunOne(ctx, evalDB, noisyChosen{}, goal, e); err != nil {
				t.Error(err)
			}
		}
	})
	// Rounds of 40 until three keeps: how many a round makes depends on how
	// the workers interleave (one round once gave two, and 60 gave two).
	for i := 0; i < 8 && keptIn(t, loopDB) < 3; i++ {
		if _, err := round().Run(ctx, "m=4.5 d=0"); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	researchtest.CheckKeeps(t, loopDB, "t", research.Minimize, 3)
	list, _ := loopDB.List(ctx, "t", true)
	for _, e := range list {
		if e.Status == research.StatusKept && e.Mode != research.ModeBaseline && e.AgainstSeq != nil && (e.Outcome.Confirmed == nil || e.Outcome.First == nil) {
			t.Errorf("#%d kept without its confirmation: seeds %+v", e.Seq, e.Outcome.Seeds)
		}
	}
	if st, _ := loopDB.Standing(ctx, "t"); !st.Noise.Measured() || st.Noise.DF < 4 {
		t.Fatalf("noise floor %+v; want the baseline's 4 df at least", st.Noise)
	}
}

// waitForKept waits until the task has a best.
func waitForKept(t *testing.T, db *sqlite.DB) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if best, err := db.Best(context.Background(), "t"); err != nil || best != nil {
			return
		}
	}
	t.Error("no best after a minute")
}
