package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func f(v float64) *float64 { return &v }

func finished(t *testing.T, db *DB, task string, status research.Status, mean float64, parent *int64) *research.Experiment {
	t.Helper()
	ctx := context.Background()
	e := &research.Experiment{Task: task, Mode: research.ModeEval, Code: "print(1)\n", ParentID: parent,
		Status: research.StatusRunning, TrainSeconds: 30, SeedsPlanned: 2, Description: "d"}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.Status, e.FinishedAt = status, &now
	e.Outcome = research.Outcome{Mean: f(mean), Std: f(0.1), Seeds: []research.SeedRun{
		{Seed: 42, OK: true, Metric: f(mean), Loss: []research.LossPoint{{Step: 1, Loss: 2.5, Elapsed: 0.5}}},
		{Seed: 137, OK: true, Metric: f(mean)},
	}}
	e.SeedsDone = e.Outcome.SeedsOK()
	if err := db.Finish(ctx, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCreateFinishListBest(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	a := finished(t, db, "shakespeare", research.StatusKept, 3.0, nil)
	b := finished(t, db, "shakespeare", research.StatusDiscarded, 3.2, &a.ID)
	other := finished(t, db, "cifar10", research.StatusKept, 0.3, nil)
	if a.Seq != 1 || b.Seq != 2 || other.Seq != 1 {
		t.Fatalf("seqs %d %d %d, want 1 2 1 (numbered per task)", a.Seq, b.Seq, other.Seq)
	}
	best, err := db.Best(ctx, "shakespeare")
	if err != nil || best == nil || best.ID != a.ID {
		t.Fatalf("best = %+v, %v", best, err)
	}
	list, err := db.List(ctx, "shakespeare", true)
	if err != nil || len(list) != 2 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	got := list[1]
	if got.Diff != "" {
		t.Errorf("identical code should diff empty, got %q", got.Diff)
	}
	if got.SeedsDone != 2 || len(got.Outcome.Seeds) != 2 || len(got.Outcome.Seeds[0].Loss) != 1 {
		t.Errorf("seeds not recorded: %+v", got.Outcome.Seeds)
	}
	if *got.Outcome.Mean != 3.2 || got.FinishedAt == nil || got.Duration() < 0 {
		t.Errorf("outcome not recorded: %+v", got)
	}
	tasks, _ := db.Tasks(ctx)
	if strings.Join(tasks, ",") != "cifar10,shakespeare" {
		t.Errorf("tasks = %v", tasks)
	}
}

func TestDiffIsComputedFromParent(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	p := finished(t, db, "t", research.StatusKept, 1, nil)
	e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: "print(2)\n", ParentID: &p.ID,
		Diff: "forged diff", Status: research.StatusRunning}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.Diff, "-print(1)") || !strings.Contains(e.Diff, "+print(2)") {
		t.Fatalf("diff = %q", e.Diff)
	}
}

func TestBestIsNilWhenNothingKept(t *testing.T) {
	db := openTemp(t)
	finished(t, db, "t", research.StatusFailed, 1, nil)
	if best, err := db.Best(context.Background(), "t"); best != nil || err != nil {
		t.Fatalf("best = %v, %v", best, err)
	}
}

func TestUntrustedTextIsBounded(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: "x", Description: strings.Repeat("d", 100000),
		Status: research.StatusRunning}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	e.Status, e.Outcome = research.StatusFailed, research.Outcome{Failure: research.FailCrash, Excerpt: strings.Repeat("x", 1<<20)}
	if err := db.Finish(ctx, e); err != nil {
		t.Fatal(err)
	}
	list, _ := db.List(ctx, "t", false)
	if len(list[0].Description) > 5000 || len(list[0].Outcome.Excerpt) > 5000 {
		t.Fatalf("stored %d and %d bytes", len(list[0].Description), len(list[0].Outcome.Excerpt))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	os.WriteFile(corrupt, []byte(strings.Repeat("this is not a database ", 500)), 0o644)
	cases := map[string]string{
		"corrupt file":   corrupt,
		"missing folder": filepath.Join(dir, "no", "such", "dir", "x.db"),
		"a directory":    dir,
	}
	for name, path := range cases {
		t.Run(name, func(t *testing.T) {
			db, err := Open(context.Background(), path)
			if err == nil {
				db.Close()
				t.Fatal("want an error")
			}
			if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "--db") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	b, _ := os.ReadFile(corrupt)
	if !strings.HasPrefix(string(b), "this is not a database") {
		t.Fatal("opening a corrupt file changed it")
	}
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	finished(t, db, "t", research.StatusKept, 1, nil)
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
	list, _ := db.List(ctx, "t", false)
	if len(list) != 1 {
		t.Fatalf("%d experiments after reopen", len(list))
	}
}

func TestLiveProgress(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: "x", Status: research.StatusRunning}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	_ = db.UpdateLive(ctx, e.ID, 42, "training", "cuda:1 cores 0-3", []research.LossPoint{{Step: 1, Loss: 2}})
	_ = db.UpdateLive(ctx, e.ID, 42, "training", "", []research.LossPoint{{Step: 1, Loss: 2}, {Step: 2, Loss: 1.5}})
	_ = db.UpdateLive(ctx, e.ID, 137, "evaluating", "", nil)
	live, err := db.Live(ctx, "t")
	if err != nil || len(live) != 2 || len(live[0].Loss) != 2 || live[1].Phase != "evaluating" || live[0].ExperimentSeq != 1 ||
		live[0].Place != "cuda:1 cores 0-3" || live[1].Place != "" { // a later update without a place keeps the one recorded
		t.Fatalf("live = %+v, %v", live, err)
	}
	e.Status = research.StatusDiscarded
	if err := db.Finish(ctx, e); err != nil {
		t.Fatal(err)
	}
	if live, _ := db.Live(ctx, "t"); len(live) != 0 {
		t.Fatalf("live rows outlived their experiment: %+v", live)
	}
}

// TestConcurrentOpens: processes that open the same database while
// others open, read and close it (a run starting while status polls) must
// all succeed, new file included.
func TestConcurrentOpens(t *testing.T) {
	for round := range 3 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("race-%d.db", round))
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				var err error
				for i := 0; i < 25 && err == nil; i++ {
					var db *DB
					if db, err = Open(context.Background(), path); err == nil {
						_, err = db.List(context.Background(), "t", false)
						db.Close()
					}
				}
				errs <- err
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// TestStoreConforms runs the store contract's suite on SQLite.
func TestStoreConforms(t *testing.T) {
	researchtest.StoreSuite(t, func(t *testing.T) research.LoopStore { return openTemp(t) })
}

// TestDecideAgainstTheBestAtTheEnd: Decide judges against the best by
// the recorded goal when the experiment ends, rows from before goals
// were recorded included. Before a goal is recorded, the direction is
// read from the keeps (first 3.0, last 2.0: lower is better) and the best
// is the best by metric, not the last kept (the wrong keep of the old
// rule).
func TestDecideAgainstTheBestAtTheEnd(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	finished(t, db, "t", research.StatusKept, 3.0, nil)
	legacy := finished(t, db, "t", research.StatusKept, 1.0, nil)
	finished(t, db, "t", research.StatusKept, 2.0, nil) // kept against 3.0 while #2 was in flight
	g, keeps, err := db.InferredGoal(ctx, "t")
	if err != nil || g.Direction != research.Minimize || keeps != 3 {
		t.Fatalf("inferred %v from %d keeps (%v), want minimize from 3", g, keeps, err)
	}
	if best, err := db.Best(ctx, "t"); err != nil || best.ID != legacy.ID {
		t.Fatalf("without a goal, best = %+v (%v), want #%d (1.0)", best, err, legacy.Seq)
	}
	if err := db.SetGoal(ctx, "t", research.Goal{Metric: "loss", Direction: research.Minimize}); err != nil {
		t.Fatal(err)
	}
	started := func() *research.Experiment {
		e := &research.Experiment{Task: "t", Mode: research.ModeEval, Code: "x\n", Status: research.StatusRunning}
		if err := db.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	a, b, c := started(), started(), started() // in flight together
	for _, step := range []struct {
		e      *research.Experiment
		mean   float64
		status research.Status
		best   int64
	}{
		{b, 0.8, research.StatusKept, b.ID},      // beats the legacy best (1.0 by metric)
		{c, 0.9, research.StatusDiscarded, b.ID}, // better than 1.0, not than 0.8
		{a, 0.5, research.StatusKept, a.ID},      // the oldest number, decided last
	} {
		step.e.Outcome = research.Outcome{Mean: f(step.mean)}
		if err := db.Decide(ctx, step.e); err != nil {
			t.Fatal(err)
		}
		best, err := db.Best(ctx, "t")
		if step.e.Status != step.status || err != nil || best.ID != step.best || step.e.FinishedAt == nil {
			t.Fatalf("#%d at %.1f: %s, best #%d (%v); want %s, best id %d", step.e.Seq, step.mean, step.e.Status, best.Seq, err, step.status, step.best)
		}
	}
	if legacy.Status != research.StatusKept {
		t.Fatal("the legacy row changed")
	}
}
