package runner

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// checkFastAgrees trains r's task's baseline for one seed and evaluates
// its model on the validation split the plain way (as exported, one call
// at a time) and the fast way (frozen for inference, calls side by side
// on every core): the metrics must agree within tol.
func checkFastAgrees(t *testing.T, r *Runner, tol float64) {
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
	for _, fast := range []bool{false, true} {
		r.Cfg.PlainEval = !fast
		var again research.SeedRun
		said, err := r.evalOnce(ctx, Slot{}, dirs[0], &again, "val="+r.Splits.Val)
		if err != nil || again.Metric == nil || said == nil {
			t.Fatalf("fast %v: %v %+v", fast, err, again)
		}
		if said.Frozen != fast {
			t.Fatalf("asked for a frozen model %v, the evaluator says it was %v", fast, said.Frozen)
		}
		if want := map[bool]int{false: 1, true: min(runtime.NumCPU(), 8)}[fast]; said.Workers != want {
			t.Fatalf("fast %v: the model process ran %d calls side by side, want %d", fast, said.Workers, want)
		}
		metric[fast] = *again.Metric
	}
	if d := math.Abs(metric[true] - metric[false]); d > tol {
		t.Fatalf("fast %v, plain %v: differ by %g, more than %g", metric[true], metric[false], d, tol)
	}
	t.Logf("%s: fast %.6f, plain %.6f", r.Task.Name, metric[true], metric[false])
}

// The fast evaluator (the model frozen and optimised for inference, calls
// side by side) leaves each built-in task's metric as it was: bits per
// byte within 1e-4, error rates within one image (cifar10, on its small
// real-format archive, in TestCIFARDownloadParseAndTrain).
func TestFastEvaluationAgrees(t *testing.T) {
	testutil.Need(t, testutil.FashionMNIST)
	t.Run("shakespeare", func(t *testing.T) {
		r := newTestRunner(t)
		r.Cfg.TrainSeconds = 3
		checkFastAgrees(t, r, 1e-4)
	})
	t.Run("fashion-mnist", func(t *testing.T) {
		r := newRunnerFor(t, "fashion-mnist", &task.Resolver{})
		r.Cfg.TrainSeconds = 3
		checkFastAgrees(t, r, 1.0/valImages(t, r))
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
