package sqlite

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
)

// TestDiskFullKeepsWhatWasRecorded fills the "disk" (a file-size limit on
// this process, so every write to the database files fails) while an
// experiment is recorded: the error says what to do, and everything
// recorded before is intact once there is room again.
func TestDiskFullKeepsWhatWasRecorded(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	base := finished(t, db, "t", research.StatusKept, 3.0, nil)
	finished(t, db, "t", research.StatusDiscarded, 3.2, &base.ID)
	if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: 512, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	e := &research.Experiment{Task: "t", Mode: research.ModeImprove, Code: strings.Repeat("x = 1\n", 2000), ParentID: &base.ID,
		Status: research.StatusRunning}
	err := db.Create(ctx, e)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil || !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "free disk space") {
		t.Fatalf("recording on a full disk: %v", err)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := db.List(ctx, "t", true)
	if err != nil || len(list) != 2 || list[1].Outcome.Mean == nil || *list[1].Outcome.Mean != 3.2 {
		t.Fatalf("after the full disk: %+v %v", list, err)
	}
	finished(t, db, "t", research.StatusDiscarded, 3.3, &base.ID) // room again: recording goes on
}
