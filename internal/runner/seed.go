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
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// runSeed runs the train phase of t's process then, if it produced a
// model, the evaluate phase, whose process warms up meanwhile; the seed's
// wall time counts from start.
func (r *Runner) runSeed(ctx context.Context, t *trainProc, s research.SeedSpec, start time.Time) (research.SeedRun, error) {
	run := research.SeedRun{Seed: s.Seed}
	if err := os.WriteFile(filepath.Join(t.dir, "train.py"), []byte(s.Code), 0o644); err != nil { //nolint:gosec // G703: the runner's own workspace
		return run, fmt.Errorf("write script: %w", err)
	}
	warm := r.warmUp(ctx, t)
	defer warm.end()
	err := r.train(ctx, t, s, warm.start)
	run = t.log.seedRun(s.Seed)
	if err != nil {
		return run, err
	}
	if run.Failure == "" {
		err = r.evaluateWarm(ctx, warm, s.ExperimentID, &run)
	}
	run.WallSeconds = time.Since(start).Seconds()
	run.OK = run.Failure == "" && err == nil
	return run, err
}

// setupWorkspace creates a train process's workspace; the script comes
// at the go.
func (r *Runner) setupWorkspace(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return fmt.Errorf("create workspace: %w", err)
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

// train lets t's process go with seed s and waits for it; ctx's end
// kills it (a warm process outlives the seed that started it). clock is
// called when the script's training clock starts.
func (r *Runner) train(ctx context.Context, t *trainProc, s research.SeedSpec, clock func()) error {
	t.log.listen(func(ev harnessEvent) {
		r.emit(Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseTraining, Step: ev.Step, Loss: ev.Loss, Place: t.slot.Place()})
	}, clock)
	r.emit(Event{ExperimentID: s.ExperimentID, Seed: s.Seed, Phase: research.PhaseTraining, Place: t.slot.Place()})
	stop := context.AfterFunc(ctx, t.proc.Kill)
	defer stop()
	t.log.atGo(t.spawned, time.Now())
	t.proc.Go(r.goMessage(s.Seed, t.log.allowed()))
	res, err := t.proc.Wait()
	if err == nil {
		err = ctx.Err()
	}
	t.log.res = res
	t.log.modelOK = fileExists(filepath.Join(t.dir, "model.pt")) && fileExists(filepath.Join(t.dir, "model.pt.json"))
	return err
}

// trainEnv is the train process's environment at its start in slot; the
// seed and the runner's clock come at the go (goMessage).
func (r *Runner) trainEnv(dir string, slot Slot) []string {
	return r.Env.ChildEnv(append(slot.env(),
		"HOME="+dir, "TMPDIR="+filepath.Join(dir, "tmp"),
		"AUTORESEARCH_GO_FD="+strconv.Itoa(sandbox.GoFD),
		"AUTORESEARCH_TASK="+r.Task.Name,
		"AUTORESEARCH_TRAIN_DATA=train.pt",
		"AUTORESEARCH_MODEL=model.pt",
		"AUTORESEARCH_DEVICE="+r.device(slot),
		"AUTORESEARCH_MAX_FILE_BYTES="+strconv.Itoa(maxFileBytes),
		"AUTORESEARCH_MAX_OPEN_FILES="+strconv.Itoa(maxOpenFiles),
	)...)
}

// device is the torch device of slot's processes.
func (r *Runner) device(slot Slot) string {
	switch {
	case slot.Device != "":
		return slot.Device
	case r.Cfg.Device == "":
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
	Frozen      bool                       `json:"frozen"`  // the model was frozen for inference
	Workers     int                        `json:"workers"` // calls the model process ran side by side
	EvalSeconds float64                    `json:"eval_seconds"`
}

// evalProc is a seed's evaluate phase: started gated while the seed
// trains (imports, the model process's warm-up, the held-out splits),
// let go once the model is there.
type evalProc struct {
	proc     Process
	place    string // where it runs (Slot.Place)
	split    string // the name of the split it evaluates on
	mustSeal bool
	result   *evalResult // the first result line; read after Wait
}

// startEval starts the trusted evaluator for the model that will be in
// dir, on one split (NAME=PATH), in the background when it will wait for
// its go while a seed trains, in slot. Under full isolation it must seal
// the model's process, elsewhere it seals it where the machine allows.
func (r *Runner) startEval(ctx context.Context, slot Slot, dir, split string, background bool) (*evalProc, error) {
	name, path, _ := strings.Cut(split, "=")
	e := &evalProc{split: name, mustSeal: r.Cfg.Isolation == sandbox.LevelFull, place: slot.Place()}
	seal := map[bool]string{true: "required", false: "best"}[e.mustSeal]
	args := []string{r.Env.Python, r.Env.Script("ar_eval.py"), r.TaskDir, "model.pt", r.device(slot), seal, split}
	iso, err := r.isolation(ctx, slot, dir, same(r.TaskDir), same(path))
	if err != nil {
		return nil, fmt.Errorf("evaluate phase view: %w", err)
	}
	e.proc, err = r.Exec.Start(ctx, sandbox.Spec{
		Args: args, Dir: dir, Timeout: r.Cfg.EvalTimeout, Isolation: iso, Gated: true, Background: background,
		Env: r.Env.ChildEnv(append(slot.env(), "HOME="+dir, "TMPDIR="+filepath.Join(dir, "tmp"), "AUTORESEARCH_GO_FD="+strconv.Itoa(sandbox.GoFD),
			"AUTORESEARCH_EVAL_FAST="+map[bool]string{true: "0", false: "1"}[r.Cfg.PlainEval])...),
		OnEvent: func(line []byte) {
			var er evalResult
			if e.result == nil && json.Unmarshal(line, &er) == nil {
				e.result = &er
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start the evaluator: %w", err)
	}
	return e, nil
}

// warmStart starts, once, what the next steps need warm: the seed's
// evaluator and a spare train process for a later seed (Cfg.Warm). It
// waits for the script's training clock, so that their imports do not
// slow its start-up, which has an allowance (on a CPU they share the cores
// with the training, on a GPU machine hardly).
type warmStart struct {
	once  sync.Once
	done  chan struct{}
	start func()
	eval  *evalProc
	err   error
}

// warmUp prepares the warm start of t's seed, in its slot.
func (r *Runner) warmUp(ctx context.Context, t *trainProc) *warmStart {
	w := &warmStart{done: make(chan struct{})}
	w.start = func() {
		w.once.Do(func() {
			defer close(w.done)
			w.eval, w.err = r.startEval(ctx, t.slot, t.dir, "val="+r.Splits.Val, true)
			r.refill(ctx, t.slot)
		})
	}
	return w
}

// end stops the evaluator if it was started (and keeps it from starting).
func (w *warmStart) end() {
	w.once.Do(func() { close(w.done) })
	<-w.done
	if w.eval != nil {
		w.eval.proc.Kill()
		_, _ = w.eval.proc.Wait()
	}
}

// evaluateWarm evaluates with w's evaluator (starting it now if the
// training clock never started).
func (r *Runner) evaluateWarm(ctx context.Context, w *warmStart, experiment int64, run *research.SeedRun) error {
	w.start()
	<-w.done
	if w.err != nil {
		return w.err
	}
	return r.evaluate(ctx, w.eval, experiment, run)
}

// evaluate lets the seed's evaluator go and turns its answer into the
// seed's metric or failure.
func (r *Runner) evaluate(ctx context.Context, e *evalProc, experiment int64, run *research.SeedRun) error {
	r.emit(Event{ExperimentID: experiment, Seed: run.Seed, Phase: research.PhaseEvaluating, Place: e.place})
	e.proc.Go([]byte("{}"))
	res, err := e.proc.Wait()
	run.EvalSeconds = res.Wall.Seconds()
	if err != nil {
		return err
	}
	applyEval(run, e.result, res, e.mustSeal, e.split)
	return ctx.Err()
}

// applyEval turns the evaluator's answer on split into the seed's metric
// or failure; a metric that had to be sealed and was not is a failure.
// Under full isolation (mustSeal) the evaluator must seal the model's
// process, or the seed fails: a metric there is sealed.
func applyEval(run *research.SeedRun, result *evalResult, res sandbox.Result, mustSeal bool, split string) {
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
		run.Metric, run.Failure = metricValue(result.Metrics[split])
		if run.Failure == "" {
			run.Sealed = mustSeal
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
