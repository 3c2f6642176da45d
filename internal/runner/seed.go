package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// runSeed runs the train phase then, if it produced a model, the evaluate
// phase, in workspace dir.
func (r *Runner) runSeed(ctx context.Context, dir string, s research.SeedSpec) (research.SeedRun, error) {
	run := research.SeedRun{Seed: s.Seed}
	if err := r.setupWorkspace(dir, s.Code); err != nil {
		return run, err
	}
	start := time.Now()
	tr, err := r.train(ctx, dir, s)
	run = tr.seedRun(s.Seed)
	if err != nil {
		return run, err
	}
	if run.Failure == "" {
		err = r.evaluate(ctx, dir, s.ExperimentID, &run)
	}
	run.WallSeconds = time.Since(start).Seconds()
	run.OK = run.Failure == "" && err == nil
	return run, err
}

func (r *Runner) setupWorkspace(dir, code string) error {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train.py"), []byte(code), 0o644); err != nil { //nolint:gosec // G703: dir is the runner's own new workspace
		return fmt.Errorf("write script: %w", err)
	}
	if r.Cfg.Isolation == sandbox.LevelFull { // the split is mounted read-only over an empty file
		return os.WriteFile(filepath.Join(dir, "train.pt"), nil, 0o644)
	}
	return linkOrCopy(r.Splits.Train, filepath.Join(dir, "train.pt"))
}

// linkOrCopy gives the workspace its own name for the training split, so
// the script learns nothing of where the prepared splits live.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("training split: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("training split: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("training split: %w", err)
	}
	return out.Close()
}

func (r *Runner) train(ctx context.Context, dir string, s research.SeedSpec) (*trainLog, error) {
	tl := &trainLog{budget: r.Cfg.budget(), saveAllow: r.Cfg.saveAllowance()}
	var err error
	if tl.startupAllow, err = r.startupAllowance(ctx); err != nil {
		return tl, fmt.Errorf("start-up allowance: %w", err)
	}
	tl.limit = r.Cfg.trainLimit(tl.startupAllow)
	iso, err := r.isolation(ctx, dir, sandbox.Bind{Src: r.Splits.Train, Dst: filepath.Join(dir, "train.pt")})
	if err != nil {
		return tl, fmt.Errorf("train phase view: %w", err)
	}
	spec := sandbox.Spec{
		Args:      []string{r.Env.Python, "-u", r.Env.Script("ar_train.py"), "train.py"},
		Dir:       dir,
		Env:       r.trainEnv(dir, s.Seed, tl.startupAllow),
		Timeout:   tl.limit,
		Isolation: iso,
		OnEvent: func(line []byte) {
			if ev, ok := tl.add(line); ok && ev.Event == "log" {
				r.emit(Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseTraining, Step: ev.Step, Loss: ev.Loss})
			}
		},
	}
	r.emit(Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseTraining})
	res, err := r.Exec.Run(ctx, spec)
	tl.res = res
	tl.modelOK = fileExists(filepath.Join(dir, "model.pt")) && fileExists(filepath.Join(dir, "model.pt.json"))
	return tl, err
}

// trainEnv is the train process's environment. The start time and the
// start-up allowance let the harness end an honest script's training in
// time even when its start-up was slow.
func (r *Runner) trainEnv(dir string, seed int64, startup time.Duration) []string {
	seconds := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }
	return r.Env.ChildEnv(
		"HOME="+dir, "TMPDIR="+filepath.Join(dir, "tmp"),
		"AUTORESEARCH_SEED="+strconv.FormatInt(seed, 10),
		"AUTORESEARCH_BUDGET="+strconv.FormatFloat(r.Cfg.TrainSeconds, 'g', -1, 64),
		"AUTORESEARCH_STARTED="+strconv.FormatFloat(float64(time.Now().UnixNano())/1e9, 'f', 3, 64),
		"AUTORESEARCH_STARTUP_ALLOWANCE="+seconds(startup),
		"AUTORESEARCH_TASK="+r.Task.Name,
		"AUTORESEARCH_TRAIN_DATA=train.pt",
		"AUTORESEARCH_MODEL=model.pt",
		"AUTORESEARCH_DEVICE="+r.device(),
		"AUTORESEARCH_MAX_FILE_BYTES="+strconv.Itoa(maxFileBytes),
		"AUTORESEARCH_MAX_OPEN_FILES="+strconv.Itoa(maxOpenFiles),
	)
}

func (r *Runner) device() string {
	if r.Cfg.Device == "" {
		return "auto"
	}
	return r.Cfg.Device
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

type evalResult struct {
	Metrics     map[string]json.RawMessage `json:"metrics"`
	Failure     string                     `json:"failure"`
	Message     string                     `json:"message"`
	Sealed      bool                       `json:"sealed"`
	EvalSeconds float64                    `json:"eval_seconds"`
}

// evaluate runs the trusted evaluator on the seed's model. Under full
// isolation it must seal the model's process, elsewhere it seals it where
// the machine allows.
func (r *Runner) evaluate(ctx context.Context, dir string, experiment int64, run *research.SeedRun) error {
	seal := "best"
	if r.Cfg.Isolation == sandbox.LevelFull {
		seal = "required"
	}
	args := []string{r.Env.Python, r.Env.Script("ar_eval.py"), r.TaskDir, "model.pt", r.device(), seal, "val=" + r.Splits.Val}
	data := []sandbox.Bind{same(r.TaskDir), same(r.Splits.Val)}
	if r.Cfg.WithTest {
		args = append(args, "test="+r.Splits.Test)
		data = append(data, same(r.Splits.Test))
	}
	iso, err := r.isolation(ctx, dir, data...)
	if err != nil {
		return fmt.Errorf("evaluate phase view: %w", err)
	}
	var result *evalResult
	spec := sandbox.Spec{
		Args: args, Dir: dir, Timeout: r.Cfg.EvalTimeout, Isolation: iso,
		Env: r.Env.ChildEnv("HOME="+dir, "TMPDIR="+filepath.Join(dir, "tmp")),
		OnEvent: func(line []byte) {
			var er evalResult
			if result == nil && json.Unmarshal(line, &er) == nil {
				result = &er
			}
		},
	}
	r.emit(Event{ExperimentID: experiment, Seed: run.Seed, Phase: research.PhaseEvaluating})
	start := time.Now()
	res, err := r.Exec.Run(ctx, spec)
	run.EvalSeconds = time.Since(start).Seconds()
	if err != nil {
		return err
	}
	applyEval(run, result, res, seal == "required")
	return nil
}

// applyEval turns the evaluator's answer into the seed's metric or
// failure; a metric that had to be sealed and was not is a failure. Under
// full isolation (mustSeal) the evaluator must seal the model's process,
// or the seed fails: a metric there is sealed.
func applyEval(run *research.SeedRun, result *evalResult, res sandbox.Result, mustSeal bool) {
	switch {
	case res.TimedOut:
		run.Failure, run.Excerpt = research.FailTimeout, "evaluation did not finish in time"
	case result == nil:
		run.Failure = research.FailCrash
		run.Excerpt = failureExcerpt("evaluator ended without a result (exit " + strconv.Itoa(res.ExitCode) + ")\n" + Excerpt(res.Output))
	case result.Failure != "":
		run.Failure = research.FailureKind(result.Failure)
		run.Excerpt = failureExcerpt("evaluation: " + result.Message)
	case mustSeal && !result.Sealed:
		run.Failure, run.Excerpt = research.FailCrash, "evaluation: the model's process was not sealed"
	default:
		run.Metric, run.Failure = metricValue(result.Metrics["val"])
		if run.Failure == "" {
			run.Sealed = mustSeal
			run.TestMetric, _ = metricValue(result.Metrics["test"])
		} else {
			run.Excerpt = "the evaluated metric is not a finite number"
		}
	}
}

// metricValue reads one metric: a JSON number, or a string such as "nan"
// for a value that is not finite.
func metricValue(raw json.RawMessage) (*float64, research.FailureKind) {
	var v float64
	if len(raw) == 0 {
		return nil, research.FailCrash
	}
	if json.Unmarshal(raw, &v) != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, research.FailDivergence
	}
	return &v, ""
}
