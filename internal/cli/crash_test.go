package cli

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// asCLI, set to 1 in its environment, makes this test binary run as the
// autoresearch command (see TestMain).
const asCLI = "AUTORESEARCH_TEST_AS_CLI"

// TestKillNineTwentyTimes kills the loop with SIGKILL 20 times at random
// moments (proposing, training, evaluating, writing). After each kill:
// the database is intact, every finished experiment is still there with
// its result, nothing the run started is left running; the next run marks
// what was in flight interrupted and continues the numbering.
func TestKillNineTwentyTimes(t *testing.T) {
	db := setupData(t)
	cache := os.Getenv("AUTORESEARCH_CACHE_DIR") // in every child's command line
	rng := rand.New(rand.NewPCG(20, 26))         //nolint:gosec // G404: reproducible kill times
	finished := map[int64]research.Status{}
	for i := range 20 {
		cmd := exec.Command(os.Args[0], append([]string{"run", "--db", db, "--max-experiments", "50", "--proposer", "search"}, fast...)...)
		cmd.Env = append(os.Environ(), asCLI+"=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(7000)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		waitNoneLeft(t, cache, i)
		checkAfterKill(t, db, finished, i)
	}
	code, out, errOut := run(context.Background(), t, append([]string{"run", "--db", db, "--max-experiments", "1", "--proposer", "search"}, fast...)...)
	if code != 0 {
		t.Fatalf("the run after 20 kills: exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	for i, e := range exps {
		if e.Seq != int64(i+1) || e.Status == research.StatusRunning {
			t.Fatalf("after the final run: #%d is %s at position %d", e.Seq, e.Status, i)
		}
	}
	t.Logf("%d experiments after 20 kills, %d finished before a kill", len(exps), len(finished))
}

func waitNoneLeft(t *testing.T, marker string, round int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for left := testutil.ProcessesMatching(marker); len(left) > 0; left = testutil.ProcessesMatching(marker) {
		if time.Now().After(deadline) {
			t.Fatalf("kill %d: processes left running: %v", round+1, testutil.Describe(left))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkAfterKill: the store passes its integrity check, and every
// experiment seen finished before is still there, unchanged.
func checkAfterKill(t *testing.T, path string, finished map[int64]research.Status, round int) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("kill %d: %v", round+1, err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Fatalf("kill %d: %v", round+1, err)
	}
	list, err := db.List(ctx, "shakespeare", false)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := map[int64]research.Status{}
	for _, e := range list {
		bySeq[e.Seq] = e.Status
	}
	for seq, st := range finished {
		if bySeq[seq] != st {
			t.Fatalf("kill %d: finished experiment #%d was %s, now %q", round+1, seq, st, bySeq[seq])
		}
	}
	for seq, st := range bySeq {
		if st != research.StatusRunning && st != research.StatusInterrupted {
			finished[seq] = st
		}
	}
}
