package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// legacyKeep records a kept experiment the way versions before goals
// did: no goal is recorded with it.
func legacyKeep(t *testing.T, db *sqlite.DB, task string, mean float64) {
	t.Helper()
	e := &research.Experiment{Task: task, Mode: research.ModeEval, Code: "x", Status: research.StatusRunning}
	if err := db.Create(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	e.Status, e.Outcome = research.StatusKept, research.Outcome{Mean: &mean}
	if err := db.Finish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// TestGoalsOfOlderDatabases: the recorded goal wins; without one, a task
// folder's goal is used and recorded (only once the task has
// experiments); without a folder, the direction the keeps took, with one
// warning, and nothing recorded.
func TestGoalsOfOlderDatabases(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var warn bytes.Buffer
	gs := newGoals(db, &globalOpts{}, &warn)
	if g, err := gs.of(ctx, "shakespeare"); err != nil || g.Direction != research.Minimize || g.Metric != "val_bpb" {
		t.Fatalf("built-in without experiments: %v, %v", g, err)
	}
	if rec, _ := db.Goal(ctx, "shakespeare"); rec != nil {
		t.Fatalf("a reader recorded goal %v for a task without experiments", rec)
	}
	legacyKeep(t, db, "shakespeare", 3.1)
	if g, _ := gs.of(ctx, "shakespeare"); g.Metric != "val_bpb" {
		t.Fatalf("built-in with experiments: %v", g)
	}
	if rec, _ := db.Goal(ctx, "shakespeare"); rec == nil || rec.Direction != research.Minimize {
		t.Fatalf("recorded %v, want shakespeare's goal once it has experiments", rec)
	}
	legacyKeep(t, db, "mine", 0.5)
	legacyKeep(t, db, "mine", 0.7)
	for range 2 {
		if g, err := gs.of(ctx, "mine"); err != nil || g.Direction != research.Maximize {
			t.Fatalf("keeps 0.5 then 0.7: %v, %v; want maximize", g, err)
		}
	}
	if n := strings.Count(warn.String(), "warning:"); n != 1 || !strings.Contains(warn.String(), "higher is better") {
		t.Fatalf("%d warnings:\n%s", n, warn.String())
	}
	if rec, _ := db.Goal(ctx, "mine"); rec != nil {
		t.Fatalf("an inferred goal was recorded: %v", rec)
	}
}
