package research_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
	return research.Plan{TrainSeconds: 1, Seeds: []int64{1}, Sealed: true}
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
	return research.SeedRun{Seed: s.Seed, OK: true, Metric: &m}, nil
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
func evals(t *testing.T, db *sqlite.DB, scripts *chosenScripts, n int) {
	for range n {
		e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: scripts.next()}
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
	evals(t, openDB(t, path), &chosenScripts{rng: rand.New(rand.NewPCG(seed, 5))}, 8)
}

// startEvalProcesses starts n eval processes on the database at path.
func startEvalProcesses(t *testing.T, path string, n int) []*exec.Cmd {
	var cmds []*exec.Cmd
	for i := range n {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEvalProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "AR_TEST_EVAL_DB="+path, fmt.Sprintf("AR_TEST_EVAL_SEED=%d", 100+i))
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
	scripts := &chosenScripts{rng: rand.New(rand.NewPCG(7, 11))}
	l := &research.Loop{Task: "t", Goal: goal, Store: loopDB, Runner: chosenRunner{}, Proposer: scripts,
		Validator: acceptAll{}, Strategy: research.DefaultStrategy(rand.New(rand.NewPCG(3, 4))), Workers: 3,
		Limits: research.Limits{MaxExperiments: 30}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { evals(t, evalDB, scripts, 8) })
	}
	if _, err := l.Run(ctx, "m=4.5 d=0"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("eval process: %v", err)
		}
	}
	researchtest.CheckKeeps(t, loopDB, "t", research.Minimize, 2)
	list, _ := loopDB.List(ctx, "t", false)
	byEvals := 0
	for _, e := range list {
		if e.Mode == research.ModeEval {
			byEvals++
		}
	}
	if len(list) != 63 || byEvals != 32 {
		t.Fatalf("%d experiments recorded (%d evals), want 63 (32): the loop's 31 and 8 evals from each of 2 goroutines and 2 processes", len(list), byEvals)
	}
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
