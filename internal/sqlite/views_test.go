package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// TestStatsMatchARecount checks the trigger-kept counts against counting
// the rows, through creates, finishes and interrupted runs of two tasks.
func TestStatsMatchARecount(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	base := finished(t, db, "a", research.StatusKept, 3.0, nil)
	finished(t, db, "a", research.StatusDiscarded, 3.2, &base.ID)
	finished(t, db, "b", research.StatusKept, 1, nil)
	failed := &research.Experiment{Task: "a", Mode: research.ModeImprove, Code: "x", ParentID: &base.ID, Status: research.StatusRunning,
		Cost: research.Cost{USD: 0.25}}
	if err := db.Create(ctx, failed); err != nil {
		t.Fatal(err)
	}
	failed.Status, failed.Outcome.Failure = research.StatusFailed, research.FailCrash
	if err := db.Finish(ctx, failed); err != nil {
		t.Fatal(err)
	}
	stuck := &research.Experiment{Task: "a", Mode: research.ModeImprove, Code: "y", ParentID: &base.ID, Status: research.StatusRunning}
	if err := db.Create(ctx, stuck); err != nil {
		t.Fatal(err)
	}
	check := func(wantRunning int) {
		t.Helper()
		st, err := db.Stats(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		var n, kept, fails, running int
		var spent float64
		if err := db.db.QueryRowContext(ctx, `SELECT count(*), sum(status = 'kept'), sum(status = 'failed'), sum(status = 'running'),
			sum(cost_usd) FROM experiments WHERE task = 'a'`).Scan(&n, &kept, &fails, &running, &spent); err != nil {
			t.Fatal(err)
		}
		if st.Experiments != n || st.Kept != kept || st.Failed != fails || st.Running != running || st.Running != wantRunning ||
			st.SpentUSD != spent || st.Best == nil || st.Best.ID != base.ID || st.Baseline != nil {
			t.Fatalf("stats %+v, recount %d %d %d %d %v", st, n, kept, fails, running, spent)
		}
	}
	check(1)
	v, _ := db.Version(ctx, "a")
	if _, err := db.MarkInterrupted(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	check(0)
	if v2, _ := db.Version(ctx, "a"); v2 <= v {
		t.Fatalf("version %d did not move past %d after an update", v2, v)
	}
	if tasks, err := db.Tasks(ctx); err != nil || strings.Join(tasks, ",") != "a,b" {
		t.Fatalf("tasks %v %v", tasks, err)
	}
}

func TestPageSortsBoundsAndRejects(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	base := finished(t, db, "t", research.StatusKept, 3.0, nil)
	for _, m := range []float64{3.5, 2.9, 3.1, 2.9} {
		finished(t, db, "t", research.StatusDiscarded, m, &base.ID)
	}
	seqs := func(p research.Page) string {
		t.Helper()
		list, err := db.Page(ctx, "t", p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, strconv.FormatInt(e.Seq, 10))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		p    research.Page
		want string
	}{
		{research.Page{Sort: "seq", Desc: true, Limit: 2}, "5 4"},
		{research.Page{Sort: "seq", Desc: true, Limit: 2, Offset: 4}, "1"},
		{research.Page{Sort: "mean", Limit: 10}, "3 5 1 4 2"}, // ties in number order
		{research.Page{Sort: "mean", Desc: true, Limit: 1}, "2"},
		{research.Page{Sort: "seq", Limit: 0}, "1"}, // at least one row
	} {
		if got := seqs(c.p); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	if _, err := db.Page(ctx, "t", research.Page{Sort: "code"}); err == nil || !strings.Contains(err.Error(), "use one of") {
		t.Fatalf("unknown sort key: %v", err)
	}
	e, err := db.Get(ctx, "t", 3)
	if err != nil || e == nil || e.Code != "print(1)\n" || len(e.Outcome.Seeds) != 2 || e.ParentSeq == nil || *e.ParentSeq != 1 {
		t.Fatalf("get: %+v %v", e, err)
	}
	if e, err := db.Get(ctx, "t", 99); e != nil || err != nil {
		t.Fatalf("get of a missing number: %+v %v", e, err)
	}
}

func TestPointsAndSettled(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	base := finished(t, db, "t", research.StatusKept, 3.0, nil)
	running := &research.Experiment{Task: "t", Mode: research.ModeImprove, Code: "x", ParentID: &base.ID, Status: research.StatusRunning}
	if err := db.Create(ctx, running); err != nil {
		t.Fatal(err)
	}
	finished(t, db, "t", research.StatusDiscarded, 3.3, &base.ID)
	pts, settled, err := db.Points(ctx, "t", 0)
	if err != nil || settled != 1 || len(pts) != 2 || pts[0].Seq != 1 || pts[0].Status != research.StatusKept || pts[1].Seq != 3 {
		t.Fatalf("points %+v settled %d err %v (want 1 and 3, settled before the running #2)", pts, settled, err)
	}
	if pts, _, _ := db.Points(ctx, "t", 1); len(pts) != 1 || pts[0].Seq != 3 {
		t.Fatalf("points after 1: %+v", pts)
	}
	now := time.Now()
	running.Status, running.FinishedAt, running.Outcome.Mean = research.StatusDiscarded, &now, f(3.4)
	if err := db.Finish(ctx, running); err != nil {
		t.Fatal(err)
	}
	if _, settled, _ := db.Points(ctx, "t", 0); settled != 3 {
		t.Fatalf("settled %d once nothing runs, want 3", settled)
	}
}

// TestMigrationMovesCode opens a store written before the code moved to
// its own table and finds every script and diff still there.
func TestMigrationMovesCode(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/001_init.sql", "migrations/002_live.sql"} {
		body, _ := migrations.ReadFile(name)
		if _, err := raw.ExecContext(ctx, string(body)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = raw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY);
		INSERT INTO schema_migrations VALUES (1), (2);
		INSERT INTO experiments (task, seq, mode, code, diff, status, train_seconds, seeds_planned, created_at, cost_usd)
		VALUES ('t', 1, 'baseline', 'old code', '', 'kept', 30, 2, '2026-01-01T00:00:00Z', 0.5),
		       ('t', 2, 'improve', 'new code', '-old' || char(10) || '+new', 'failed', 30, 2, '2026-01-01T00:01:00Z', 0.25)`)
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.List(ctx, "t", true)
	if err != nil || len(list) != 2 || list[0].Code != "old code" || list[1].Diff != "-old\n+new" {
		t.Fatalf("after migration: %+v %v", list, err)
	}
	st, err := db.Stats(ctx, "t")
	if err != nil || st.Experiments != 2 || st.Kept != 1 || st.Failed != 1 || st.SpentUSD != 0.75 {
		t.Fatalf("stats after migration: %+v %v", st, err)
	}
}
