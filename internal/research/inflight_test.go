package research_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// chosenRunner scores "m=<metric> d=<milliseconds>" with that metric
// after that delay, so experiments finish out of the order they started.
type chosenRunner struct{}

func (chosenRunner) Plan() (float64, int) { return 1, 1 }
func (chosenRunner) Run(ctx context.Context, code string, _ *float64) (research.Outcome, error) {
	var m float64
	var d int
	if _, err := fmt.Sscanf(code, "m=%g d=%d", &m, &d); err != nil {
		return research.Outcome{Failure: research.FailCrash, Excerpt: err.Error()}, nil
	}
	select {
	case <-time.After(time.Duration(d) * time.Millisecond):
	case <-ctx.Done():
		return research.Outcome{}, ctx.Err()
	}
	return research.Outcome{Mean: &m, Std: new(float64), Sealed: true}, nil
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
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	loopDB, evalDB := openDB(t, path), openDB(t, path)
	scripts := &chosenScripts{rng: rand.New(rand.NewPCG(7, 11))}
	l := &research.Loop{Task: "t", Direction: research.Minimize, Store: loopDB, Runner: chosenRunner{}, Proposer: scripts,
		Validator: acceptAll{}, Strategy: research.DefaultStrategy(rand.New(rand.NewPCG(3, 4))), Workers: 3,
		Limits: research.Limits{MaxExperiments: 30}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 8 {
				e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: scripts.next()}
				if err := research.RunOne(ctx, evalDB, chosenRunner{}, research.Minimize, e); err != nil {
					t.Error(err)
				}
			}
		})
	}
	if _, err := l.Run(ctx, "m=4.5 d=0"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	checkKeeps(t, loopDB)
}

func checkKeeps(t *testing.T, db *sqlite.DB) {
	t.Helper()
	list, err := db.List(context.Background(), "t", false)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(list, func(a, b research.Experiment) int { return a.FinishedAt.Compare(*b.FinishedAt) })
	var best *float64
	kept := 0
	for _, e := range list {
		if e.Status != research.StatusKept {
			continue
		}
		if kept++; best != nil && *e.Outcome.Mean >= *best {
			t.Errorf("#%d kept with %.4f, not better than %.4f kept before it finished", e.Seq, *e.Outcome.Mean, *best)
		}
		if best == nil || *e.Outcome.Mean < *best {
			best = e.Outcome.Mean
		}
	}
	got, err := db.Best(context.Background(), "t")
	if err != nil || got == nil || *got.Outcome.Mean != *best {
		t.Fatalf("best = %+v (%v), want the kept experiment with %.4f", got, err, *best)
	}
	if len(list) < 40 || kept < 2 {
		t.Fatalf("%d experiments, %d kept: the test did not exercise concurrency", len(list), kept)
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
