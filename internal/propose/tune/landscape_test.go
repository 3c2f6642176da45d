package tune

import (
	"context"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

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
	ls := Explain(context.Background(), testutil.Env(t), best, s.list, research.Minimize)
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
	ls := Explain(ctx, nil, best, s.list, research.Minimize)
	if ls.Points != 25 || ls.Params[0].Importance != nil || !strings.Contains(ls.Note, "Optuna") {
		t.Errorf("without Python: %d points, note %q", ls.Points, ls.Note)
	}
	few := &store{list: s.list[:MinImportance-1]}
	ls = Explain(ctx, nil, few.list[0], few.list, research.Minimize)
	if ls.Points != MinImportance-1 || !strings.Contains(ls.Note, "so far") {
		t.Errorf("few points: %d, note %q", ls.Points, ls.Note)
	}
	bare := research.Experiment{Seq: 3, Code: "print(1)\n"}
	if ls = Explain(ctx, nil, bare, s.list, research.Minimize); ls.Params != nil || !strings.Contains(ls.Note, "(#3) has no usable search space") {
		t.Errorf("no space: %+v", ls)
	}
}
