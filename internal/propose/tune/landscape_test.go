package tune

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// python finds the test's interpreter.
func python(t *testing.T) func(context.Context) *pyenv.Env {
	return func(context.Context) *pyenv.Env { return testutil.Env(t) }
}

// landscapeStore is measured(24) with one run its settings broke, one
// interrupted and one of another structure; best is its best.
func landscapeStore() (*store, research.Experiment) {
	s := measured(24)
	s.finish(script(3e-2, 128, "train()"), research.StatusFailed, nil, research.FailOOM)
	s.finish(script(5e-3, 64, "train()"), research.StatusInterrupted, nil, research.FailInterrupted)
	s.finish(script(1e-3, 32, "other()"), research.StatusKept, ptr(0), "")
	best := s.list[0]
	for _, e := range s.list[:24] {
		if *e.Outcome.Mean < *best.Outcome.Mean {
			best = e
		}
	}
	return s, best
}

// The landscape of the best's structure holds its points as the
// optimisers count them, and fANOVA names the parameter the metric
// depends on (lr: the store's metric is lr's distance from 1e-3).
func TestExplainShowsWhatTheOptimiserKnows(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	s, best := landscapeStore()
	ls := Explain(context.Background(), python(t), false, best, s.list, research.Minimize)
	if ls.Best != best.Seq || ls.Points != 25 || ls.Failed != 1 || len(ls.Params) != 2 || ls.Note != "" || ls.Method == "" {
		t.Fatalf("landscape %+v, want the best, 25 points, 1 failed, 2 parameters, importance measured", ls)
	}
	lr, batch := ls.Params[0], ls.Params[1]
	if lr.Name != "lr" || lr.Kind != "log" || batch.Kind != "choice" || len(lr.Value) != 25 || len(batch.Metric) != 25 {
		t.Fatalf("slices %+v", ls.Params)
	}
	if lr.Importance == nil || batch.Importance == nil || *lr.Importance < 0.8 {
		t.Fatalf("importance lr %v batch %v, want lr's share above 0.8", lr.Importance, batch.Importance)
	}
	worst := 0.0
	for _, v := range lr.Metric[:24] {
		worst = max(worst, v)
	}
	if !lr.Broken[24] || lr.Metric[24] != worst || lr.Value[24] != 3e-2 || lr.Seq[24] != 25 {
		t.Errorf("the broken run: value %v metric %v (worst %v) broken %v", lr.Value[24], lr.Metric[24], worst, lr.Broken[24])
	}
}

// Without Python, with too few points or without a space, the landscape
// says why its importance (or everything) is missing.
func TestExplainSaysWhatIsMissing(t *testing.T) {
	ctx := context.Background()
	s, best := landscapeStore()
	ls := Explain(ctx, nil, false, best, s.list, research.Minimize)
	if ls.Points != 25 || ls.Params[0].Importance != nil || !strings.Contains(ls.Note, "Optuna") {
		t.Errorf("without Python: %d points, note %q", ls.Points, ls.Note)
	}
	few := &store{list: s.list[:MinImportance-1]}
	never := func(context.Context) *pyenv.Env {
		t.Error("the interpreter was looked for with too few points")
		return nil
	}
	ls = Explain(ctx, never, false, few.list[0], few.list, research.Minimize)
	if ls.Points != MinImportance-1 || !strings.Contains(ls.Note, "so far") {
		t.Errorf("few points: %d, note %q", ls.Points, ls.Note)
	}
	bare := research.Experiment{Seq: 3, Code: "print(1)\n"}
	if ls = Explain(ctx, nil, false, bare, s.list, research.Minimize); ls.Params != nil || !strings.Contains(ls.Note, "(#3) has no usable search space") {
		t.Errorf("no space: %+v", ls)
	}
}

// Parameters come most important first: here batch, declared second.
func TestExplainRanksByImportance(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	s := &store{}
	for i := range 24 {
		batch := 16 << (i % 4)
		code := script(math.Pow(10, -4+2.4*float64((i*7)%24)/24), batch, "train()")
		s.finish(code, research.StatusDiscarded, ptr(math.Abs(math.Log2(float64(batch))-5)+0.001*distance(code)), "")
	}
	ls := Explain(context.Background(), python(t), false, s.list[1], s.list, research.Minimize)
	if len(ls.Params) != 2 || ls.Params[0].Name != "batch" || ls.Params[0].Importance == nil || *ls.Params[0].Importance < 0.8 {
		t.Fatalf("params %+v, want batch first with a share above 0.8", ls.Params)
	}
}

// A point outside the declared domains (edited by hand) is no point of
// the search: the landscape leaves it out, as the optimisers do.
func TestLedgerLeavesOutPointsOutsideTheDomain(t *testing.T) {
	s := measured(3)
	s.finish(script(0.5, 32, "train()"), research.StatusDiscarded, ptr(0.1), "")
	s.finish(script(1e-3, 48, "train()"), research.StatusDiscarded, ptr(0.1), "")
	l := newLedger(s.list[0].Code, s.list, research.Minimize)
	if len(l.points) != 3 || len(l.measured) != 5 {
		t.Fatalf("%d points, %d measured, want 3 and 5", len(l.points), len(l.measured))
	}
}

// A background helper takes the lowest CPU priority in a session of its
// own first thing, before it imports anything: nice 19, and its
// autogroup's too where the kernel has autogroups.
func TestBackgroundHelperYields(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	h, err := startHelper(context.Background(), testutil.Env(t), true)
	if err != nil {
		t.Fatal(err)
	}
	defer h.close()
	pid := h.cmd.Process.Pid
	var session, nice, group string
	yielded := func() bool {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:])) // fields from the state on
		ag, _ := os.ReadFile(fmt.Sprintf("/proc/%d/autogroup", pid))
		session, nice, group = f[3], f[16], string(ag)
		return nice == "19" && (group == "" || strings.Contains(group, "nice 19"))
	}
	for deadline := time.Now().Add(time.Minute); !yielded() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if session != strconv.Itoa(pid) || !yielded() {
		t.Fatalf("session %s, nice %s, autogroup %q; want %d, 19 and nice 19", session, nice, group, pid)
	}
}
