package runner

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// checkFreezeAgrees trains r's task's baseline for one seed and evaluates
// its model on the validation split as exported and frozen for inference
// (the evaluator's way): the metrics must agree within tol.
func checkFreezeAgrees(t *testing.T, r *Runner, tol float64) {
	t.Helper()
	r.Cfg.KeepWorkspaces, r.Cfg.Seeds, r.Cfg.WithTest = true, []int64{42}, false
	ctx := context.Background()
	run, err := r.RunSeed(ctx, research.SeedSpec{ExperimentID: 1, Code: r.Task.Baseline, Seed: 42})
	if err != nil || !run.OK {
		t.Fatalf("baseline: %v %+v", err, run)
	}
	dirs, _ := filepath.Glob(filepath.Join(r.Cfg.WorkDir, r.Task.Name+"-1-seed-42-*", "seed"))
	if len(dirs) != 1 {
		t.Fatalf("want the kept workspace, found %v", dirs)
	}
	metric := map[bool]float64{}
	for _, frozen := range []bool{false, true} {
		r.Cfg.NoFreeze = !frozen
		var again research.SeedRun
		said, err := r.evalOnce(ctx, dirs[0], &again, "val="+r.Splits.Val)
		if err != nil || again.Metric == nil || said == nil {
			t.Fatalf("frozen %v: %v %+v", frozen, err, again)
		}
		if said.Frozen != frozen {
			t.Fatalf("asked for a frozen model %v, the evaluator says it was %v", frozen, said.Frozen)
		}
		metric[frozen] = *again.Metric
	}
	if d := math.Abs(metric[true] - metric[false]); d > tol {
		t.Fatalf("frozen %v, as exported %v: differ by %g, more than %g", metric[true], metric[false], d, tol)
	}
	t.Logf("%s: frozen %.6f, as exported %.6f", r.Task.Name, metric[true], metric[false])
}

// Freezing and optimising the model for inference leaves each built-in
// task's metric as it was: bits per byte within 1e-4, error rates within
// one image (cifar10, on its small real-format archive, in
// TestCIFARDownloadParseAndTrain).
func TestFrozenEvaluationAgrees(t *testing.T) {
	testutil.Need(t, testutil.FashionMNIST)
	t.Run("shakespeare", func(t *testing.T) {
		r := newTestRunner(t)
		r.Cfg.TrainSeconds = 3
		checkFreezeAgrees(t, r, 1e-4)
	})
	t.Run("fashion-mnist", func(t *testing.T) {
		r := newRunnerFor(t, "fashion-mnist", &task.Resolver{})
		r.Cfg.TrainSeconds = 3
		checkFreezeAgrees(t, r, 1.0/valImages(t, r))
	})
}

// valImages is the number of images in r's validation split.
func valImages(t *testing.T, r *Runner) float64 {
	t.Helper()
	cmd := exec.Command(r.Env.Python, "-c", "import sys, ar_data\nprint(ar_data.load_split(sys.argv[1])[0].shape[0])", r.Splits.Val)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+r.Env.LibDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("count images: %v\n%s", err, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || n < 1 {
		t.Fatalf("count images: %q", out)
	}
	return float64(n)
}
