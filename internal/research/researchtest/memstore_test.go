package researchtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

func TestMemStoreConforms(t *testing.T) {
	researchtest.StoreSuite(t, func(*testing.T) research.LoopStore { return &researchtest.MemStore{} })
}

// TestKeepViolationsSeesAWrongKeep: the history of the bug (A and B start
// against X; A finishes at 1.0 and is kept, then B at 2.0 is kept too)
// is reported, and the right history is not.
func TestKeepViolationsSeesAWrongKeep(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	exp := func(seq int64, mean float64, status research.Status, finished int) research.Experiment {
		done := at.Add(time.Duration(finished) * time.Second)
		return research.Experiment{ID: seq, Seq: seq, Status: status, Outcome: research.Outcome{Mean: &mean}, FinishedAt: &done}
	}
	wrong := []research.Experiment{exp(1, 3, research.StatusKept, 1), exp(2, 1, research.StatusKept, 3), exp(3, 2, research.StatusKept, 4)}
	bad, best, kept := researchtest.KeepViolations(wrong, research.Minimize)
	if len(bad) != 1 || !strings.Contains(bad[0], "#3 kept with 2.0000") || best.Seq != 2 || kept != 3 {
		t.Fatalf("violations %q, best #%d, %d kept; want #3 reported, best #2", bad, best.Seq, kept)
	}
	wrong[2].Status = research.StatusDiscarded
	if bad, _, _ := researchtest.KeepViolations(wrong, research.Minimize); len(bad) != 0 {
		t.Fatalf("a right history reported: %q", bad)
	}
}
