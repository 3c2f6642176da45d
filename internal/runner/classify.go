package runner

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// excerptMax bounds the failure excerpt a seed keeps of its processes.
const excerptMax = 2000

// harnessEvent is one line the harness writes to the events pipe. These
// lines come from the untrusted process: they feed the loss curve and the
// timings, never the metric.
type harnessEvent struct {
	Event   string  `json:"event"`
	T       float64 `json:"t"`
	Step    int     `json:"step"`
	Loss    float64 `json:"loss"`
	Elapsed float64 `json:"elapsed"`
	Kind    string  `json:"kind"`
	Message string  `json:"message"`
	Steps   int     `json:"steps"` // the harness's own count of gradient steps, so far
}

// trainLog collects the events of one train process, each stamped with
// the moment it reached the runner: a script can delay an event, never
// send it before it happens, so these moments bound its claims.
type trainLog struct {
	mu          sync.Mutex
	ready       time.Time // the warm process had done its imports and waited for the go
	imported    time.Time
	clockStart  time.Time // the first clock_start
	exportStart time.Time
	exportDone  time.Time
	loss        research.Curve
	failure     string
	failureMsg  string
	diverged    bool
	steps       int // the highest step the script logged
	counted     int // under a step budget: the harness's step events, from every process that shares the pipe
	reported    int // the most gradient steps the harness said it had counted
	garbled     int // lines on the pipe that were not events (or the pipe's framing broke: readEvents)
	res         sandbox.Result
	modelOK     bool
	onLog       func(harnessEvent) // live loss points (listen)
	onClock     func()             // once, when the training clock starts (listen)
	// The runner's clock: budget and allowances, and the hard limit;
	// preGo is the start-up the process did before its go (imports,
	// data), which the start-up allowance no longer has to cover.
	budget, startupAllow, saveAllow, limit, preGo time.Duration
	budgetSteps                                   int // the step budget (0: none)
}

func (tl *trainLog) add(line []byte) (harnessEvent, bool) {
	var ev harnessEvent
	err := json.Unmarshal(line, &ev)
	now := time.Now()
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if err != nil {
		if !json.Valid(line) { // a script's extra of an unexpected type is JSON still, and no harm
			tl.garbled++
		}
		return ev, false
	}
	tl.reported = max(tl.reported, ev.Steps)
	switch ev.Event {
	case "step": // one per backward pass under a step budget
		tl.counted++
	case "ready":
		first(&tl.ready, now)
	case "imported":
		first(&tl.imported, now)
	case "clock_start":
		if tl.clockStart.IsZero() && tl.onClock != nil {
			go tl.onClock()
		}
		first(&tl.clockStart, now)
	case "log":
		if math.IsNaN(ev.Loss) || math.IsInf(ev.Loss, 0) {
			tl.diverged = true
		}
		tl.loss.Add(research.LossPoint{Step: ev.Step, Loss: ev.Loss, Elapsed: ev.Elapsed})
		tl.steps = max(tl.steps, ev.Step)
		if tl.onLog != nil {
			tl.onLog(ev)
		}
	case "divergence":
		tl.diverged = true
	case "export_start":
		tl.exportStart = now
	case "export_done":
		tl.exportDone = now
	case "failure":
		if tl.failure == "" {
			tl.failure, tl.failureMsg = ev.Kind, ev.Message
		}
	}
	return ev, true
}

// listen passes each loss point from now on to fn, and calls clock (in
// a goroutine of its own) when the training clock starts.
func (tl *trainLog) listen(fn func(harnessEvent), clock func()) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.onLog, tl.onClock = fn, clock
}

// first sets *t to now unless it is set already.
func first(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
}

// seedRun classifies how the train phase ended, with the runner's timings.
func (tl *trainLog) seedRun(seed int64) research.SeedRun {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	run := research.SeedRun{Seed: seed, ExitCode: tl.res.ExitCode, Loss: tl.loss.Points(), Steps: tl.gradientSteps()}
	since := func(t time.Time) float64 {
		if t.IsZero() || tl.res.Started.IsZero() {
			return 0
		}
		return t.Sub(tl.res.Started).Seconds()
	}
	run.ImportSeconds, run.StartupSeconds = since(tl.imported), since(tl.clockStart)
	if !tl.exportDone.IsZero() && !tl.exportStart.IsZero() {
		run.ExportSeconds = tl.exportDone.Sub(tl.exportStart).Seconds()
	}
	run.TrainSeconds = tl.trained().Seconds()
	run.Failure, run.Excerpt = tl.classify()
	return run
}

// startup is the start-up the runner credits: from the go until the
// harness's training clock started, at most the allowance less what the
// process did before its go (all of that when the clock never started).
// So a warm process's head start buys no training: the window before the
// clock is what a process started at its go would have had.
func (tl *trainLog) startup() time.Duration {
	if tl.clockStart.IsZero() {
		return tl.allowed()
	}
	return min(tl.clockStart.Sub(tl.res.Started), tl.allowed())
}

// allowed is the start-up allowance left at the go.
func (tl *trainLog) allowed() time.Duration { return max(0, tl.startupAllow-tl.preGo) }

// atGo notes, at the go, how much of its start-up the process (started
// at spawned) has done already: until it said it was ready, or until now.
// The moment a process takes to be spawned (a cold one is let go at once)
// is no head start.
func (tl *trainLog) atGo(spawned, now time.Time) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	done := now
	if !tl.ready.IsZero() && tl.ready.Before(now) {
		done = tl.ready
	}
	if tl.preGo = min(max(0, done.Sub(spawned)), tl.startupAllow); tl.preGo < spawnTime {
		tl.preGo = 0
	}
}

// spawnTime is what starting a process in its sandbox takes at most.
const spawnTime = 200 * time.Millisecond

// trained is the training time as the runner judges it: the train
// process's whole life, less the credited start-up.
func (tl *trainLog) trained() time.Duration {
	if tl.res.Started.IsZero() || tl.res.Ended.IsZero() {
		return 0
	}
	return max(0, tl.res.Ended.Sub(tl.res.Started)-tl.startup())
}

// overtime explains work past the budget and the save allowance, or
// returns "" when there was none.
func (tl *trainLog) overtime() string {
	trained := tl.trained()
	if trained <= tl.budget+tl.saveAllow {
		return ""
	}
	var start string
	switch actual := tl.clockStart.Sub(tl.res.Started); {
	case tl.clockStart.IsZero():
		start = fmt.Sprintf("H.train_data() never called: the %s start-up allowance counted%s", secs(tl.allowed()), tl.headStart())
	case actual > tl.allowed():
		start = fmt.Sprintf("start-up %s, of which %s allowed%s", secs(actual), secs(tl.allowed()), tl.headStart())
	default:
		start = "start-up " + secs(actual)
	}
	return fmt.Sprintf("trained %s on a %s budget (%s), by the runner's clock from the train process's go to its end; "+
		"%s were allowed to save: stop when H.time_left() <= 0, save the model and return", secs(trained),
		secs(tl.budget), start, secs(tl.saveAllow))
}

// headStart says how much of the allowance went before the go, if any
// to speak of.
func (tl *trainLog) headStart() string {
	if tl.preGo < 50*time.Millisecond {
		return ""
	}
	return fmt.Sprintf(" (%s less the %s of start-up done before the go)", secs(tl.startupAllow), secs(tl.preGo))
}

// secs formats a duration as seconds with one decimal.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func (tl *trainLog) classify() (research.FailureKind, string) {
	out := tl.res.Output
	if kind, why := tl.stepsFailure(); kind != "" && !tl.res.TimedOut {
		return kind, failureExcerpt(why + "\n" + tail(out, 600))
	}
	switch {
	case tl.res.TimedOut:
		return research.FailTimeout, failureExcerpt(fmt.Sprintf("killed after %s: still running well past its %s budget "+
			"(allowed: %s to start, %s to save, then %s of grace)\n%s", secs(tl.limit), secs(tl.budget), secs(tl.startupAllow),
			secs(tl.saveAllow), secs(tl.limit-tl.startupAllow-tl.budget-tl.saveAllow), tail(out, 600)))
	case tl.diverged:
		return research.FailDivergence, failureExcerpt("training loss became NaN or infinite\n" + tail(out, 600))
	case tl.failure != "":
		return scriptKind(tl.failure), failureExcerpt(tl.failureMsg + "\n" + Excerpt(out))
	case tl.res.Signal == "killed" || looksOOM(out):
		return research.FailOOM, failureExcerpt("the train process was killed (out of memory?)\n" + Excerpt(out))
	case tl.res.ExitCode != 0:
		return research.FailCrash, failureExcerpt(fmt.Sprintf("exit status %d %s\n%s", tl.res.ExitCode, tl.res.Signal, Excerpt(out)))
	case !tl.modelOK:
		return research.FailExport, failureExcerpt("the script ended without exporting a model: call H.save_model(model, example_input)\n" + tail(out, 600))
	}
	if why := tl.overtime(); why != "" {
		return research.FailOvertime, why
	}
	if why := tl.shortOfSteps(); why != "" {
		return research.FailOvertime, why
	}
	return "", ""
}

// gradientSteps is the steps the seed took: under a step budget the
// runner's own count, else the harness's report, else (no autograd, or
// a harness from before steps were counted) the highest step logged.
func (tl *trainLog) gradientSteps() int {
	if tl.budgetSteps > 0 {
		return tl.counted
	}
	return cmp.Or(tl.reported, tl.steps)
}

// stepsFailure is why a seed under a step budget fails on its steps,
// whatever else it did, or "" when it does not: a step past the budget
// (by the runner's count); a pipe that carried lines other than the
// harness's, or fewer steps than the harness said it counted (the
// runner's count is what binds).
func (tl *trainLog) stepsFailure() (research.FailureKind, string) {
	switch {
	case tl.budgetSteps <= 0:
		return "", ""
	case tl.counted > tl.budgetSteps:
		return research.FailOvertime, fmt.Sprintf("took gradient step %d on a budget of %d steps (backward passes, counted "+
			"by the runner): check H.time_left() > 0 before every backward pass, then save the model and return", tl.counted, tl.budgetSteps)
	case tl.garbled > 0:
		return research.FailTamper, fmt.Sprintf("%d line(s) on the harness's events pipe were not the harness's: under a step "+
			"budget the runner counts the steps there, so nothing else may write to it", tl.garbled)
	case tl.reported > tl.counted:
		return research.FailTamper, fmt.Sprintf("the harness counted %d gradient steps and only %d reached the runner", tl.reported, tl.counted)
	}
	return "", ""
}

// shortOfSteps explains a seed under a step budget that the time ceiling
// stopped short of its steps (its result would not be comparable with
// those that trained them all), or returns "".
func (tl *trainLog) shortOfSteps() string {
	if tl.budgetSteps <= 0 || tl.counted >= tl.budgetSteps || tl.trained() < tl.budget {
		return ""
	}
	return fmt.Sprintf("the %s time ceiling ended training at gradient step %d of its %d-step budget: under a step budget "+
		"every seed trains its steps; take cheaper steps, or raise the ceiling (--train-seconds)", secs(tl.budget), tl.counted, tl.budgetSteps)
}

// scriptKind is the failure kind the train process reported, if it is one
// a script can have (its wrapper names these); anything else, such as a
// script claiming "timeout" or "tamper" for itself, is a crash.
func scriptKind(kind string) research.FailureKind {
	switch k := research.FailureKind(kind); k {
	case research.FailSyntax, research.FailImport, research.FailOOM, research.FailExport, research.FailCrash:
		return k
	}
	return research.FailCrash
}

func looksOOM(out string) bool {
	return strings.Contains(out, "out of memory") || strings.Contains(out, "can't allocate memory") || strings.Contains(out, "MemoryError")
}

// Excerpt picks the part of a process's output that explains a failure:
// the last Python traceback if there is one, else the end of the output.
func Excerpt(out string) string {
	if i := strings.LastIndex(out, "Traceback (most recent call last):"); i >= 0 {
		return tail(out[i:], excerptMax-200)
	}
	return tail(out, 1200)
}

// tail keeps the end of a process's output, where a failure's cause is:
// s trimmed, clipped from the front (research.ClipTail).
func tail(s string, n int) string { return research.ClipTail(strings.TrimSpace(s), n) }

// failureExcerpt is a failure's excerpt as a seed records it: s trimmed and
// clipped to excerptMax bytes.
func failureExcerpt(s string) string { return research.Clip(strings.TrimSpace(s), excerptMax) }
