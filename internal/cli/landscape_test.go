package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// spaceDB is a store of n experiments of one script whose metric is its
// learning rate's distance (in decades) from 1e-3, the batch size not
// mattering, then one of another structure; better ones are kept. It
// returns the store's path and its best's number.
func spaceDB(t *testing.T, n int) (string, int64) {
	t.Helper()
	ctx := context.Background()
	db, path := goalDB(t, "space.db")
	defer db.Close()
	best, bestSeq := math.Inf(1), int64(0)
	finish := func(code string, mean float64) {
		st := research.StatusDiscarded
		if mean < best {
			st, best = research.StatusKept, mean
		}
		e := &research.Experiment{Task: "shakespeare", Mode: research.ModeImprove, Code: code, Status: research.StatusRunning}
		if err := db.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		e.Status, e.Outcome = st, research.Outcome{Mean: &mean, Sealed: true}
		if err := db.Finish(ctx, e); err != nil {
			t.Fatal(err)
		}
		if st == research.StatusKept {
			bestSeq = e.Seq
		}
	}
	for i := range n {
		lr := math.Pow(10, -4+2.4*float64((i*7)%n)/float64(n))
		code := fmt.Sprintf("# @search-space begin\nlr: float = %g  # log 1e-4 .. 3e-2\nbatch: int = %d  # choice 16 32 64 128\n# @search-space end\ntrain()\n",
			lr, 16<<(i%4))
		finish(code, math.Abs(math.Log10(lr)+3))
	}
	finish("# @search-space begin\nlr: float = 1e-3  # log 1e-4 .. 3e-2\n# @search-space end\nother()\n", 5)
	return path, bestSeq
}

// The report carries what the optimisers know, measured from the store
// with the real helper: lr matters, batch does not.
func TestReportMeasuresTheLandscape(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	out := filepath.Join(t.TempDir(), "r.html")
	db, best := spaceDB(t, 12)
	if code, stdout, errOut := run(context.Background(), t, "report", "--db", db, "--task", "shakespeare", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, errOut)
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`const DATA = (.*);\n`).FindSubmatch(html)
	if m == nil {
		t.Fatal("no data in the report")
	}
	var data struct{ Landscape research.Landscape }
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	checkLandscape(t, data.Landscape, best)
}

func checkLandscape(t *testing.T, ls research.Landscape, best int64) {
	t.Helper()
	if ls.Best != best || ls.Points != 12 || ls.Method == "" || len(ls.Params) != 2 || ls.Params[0].Name != "lr" || *ls.Params[0].Importance < 0.8 {
		t.Fatalf("landscape %+v, want #%d's, 12 points, lr first with a share above 0.8", ls, best)
	}
}

// The dashboard serves the same landscape.
func TestDashboardMeasuresTheLandscape(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	db, best := spaceDB(t, 12)
	url, _ := startDashboard(t, db)
	resp, err := http.Get(url + "/api/tasks/shakespeare/landscape")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ls research.Landscape
	if err := json.NewDecoder(resp.Body).Decode(&ls); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	checkLandscape(t, ls, best)
}
