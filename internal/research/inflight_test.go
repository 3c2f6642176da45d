package research_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
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

// TestKeepsHoldWithExperimentsInFlight: the loop with three workers and
// two concurrent evals on a second connection to the same database, with
// experiments finishing out of order: every kept experiment beat the best
// of those kept before it finished, and the best is the best by metric.
func TestKeepsHoldWithExperimentsInFlight(t *testing.T) {
	goal := research.Goal{Metric: "m", Direction: research.Minimize}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	loopDB, evalDB := openDB(t, path), openDB(t, path)
	scripts := &chosenScripts{rng: rand.New(rand.NewPCG(7, 11))}
	l := &research.Loop{Task: "t", Goal: goal, Store: loopDB, Runner: chosenRunner{}, Proposer: scripts,
		Validator: acceptAll{}, Strategy: research.DefaultStrategy(rand.New(rand.NewPCG(3, 4))), Workers: 3,
		Limits: research.Limits{MaxExperiments: 30}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 8 {
				e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: scripts.next()}
				if err := research.RunOne(ctx, evalDB, chosenRunner{}, goal, e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	if _, err := l.Run(ctx, "m=4.5 d=0"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	researchtest.CheckKeeps(t, loopDB, "t", research.Minimize, 2)
	if list, _ := loopDB.List(ctx, "t", false); len(list) < 40 {
		t.Fatalf("%d experiments recorded, want 47: the test did not exercise concurrency", len(list))
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
