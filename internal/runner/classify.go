package runner

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// Bounds on what a seed keeps of its train process.
const (
	maxLossPoints = 1000
	excerptMax    = 2000
)

// harnessEvent is one line the harness writes to the events pipe. These
// lines come from the untrusted process: they feed the loss curve and the
// timings, never the metric.
type harnessEvent struct {
	Event        string  `json:"event"`
	T            float64 `json:"t"`
	Step         int     `json:"step"`
	Loss         float64 `json:"loss"`
	Elapsed      float64 `json:"elapsed"`
	TrainSeconds float64 `json:"train_seconds"`
	Kind         string  `json:"kind"`
	Message      string  `json:"message"`
}

// trainLog collects the events of one train process.
type trainLog struct {
	mu           sync.Mutex
	imported     float64
	clockStart   float64
	exportStart  float64
	exportDone   float64
	trainSeconds float64
	loss         []research.LossPoint
	stride       int
	seen         int
	failure      string
	failureMsg   string
	diverged     bool
	res          sandbox.Result
	modelOK      bool
	limit        time.Duration
}

func (tl *trainLog) add(line []byte) (harnessEvent, bool) {
	var ev harnessEvent
	if json.Unmarshal(line, &ev) != nil {
		return ev, false
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	switch ev.Event {
	case "imported":
		tl.imported = ev.T
	case "clock_start":
		tl.clockStart = ev.T
	case "log":
		tl.addLoss(research.LossPoint{Step: ev.Step, Loss: ev.Loss, Elapsed: ev.Elapsed})
	case "divergence":
		tl.diverged = true
	case "export_start":
		tl.exportStart, tl.trainSeconds = ev.T, ev.TrainSeconds
	case "export_done":
		tl.exportDone = ev.T
	case "failure":
		if tl.failure == "" {
			tl.failure, tl.failureMsg = ev.Kind, ev.Message
		}
	}
	return ev, true
}

// addLoss keeps at most maxLossPoints points, thinning evenly: when full,
// every other point is dropped and the sampling stride doubles.
func (tl *trainLog) addLoss(p research.LossPoint) {
	if math.IsNaN(p.Loss) || math.IsInf(p.Loss, 0) {
		tl.diverged = true
		return
	}
	if tl.stride == 0 {
		tl.stride = 1
	}
	tl.seen++
	if (tl.seen-1)%tl.stride != 0 {
		return
	}
	tl.loss = append(tl.loss, p)
	if len(tl.loss) >= maxLossPoints {
		kept := tl.loss[:0]
		for i := 0; i < len(tl.loss); i += 2 {
			kept = append(kept, tl.loss[i])
		}
		tl.loss, tl.stride = kept, tl.stride*2
	}
}

// seedRun classifies how the train phase ended.
func (tl *trainLog) seedRun(seed int64) research.SeedRun {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	run := research.SeedRun{Seed: seed, ExitCode: tl.res.ExitCode, Loss: tl.loss, TrainSeconds: tl.trainSeconds}
	start := float64(tl.res.Started.UnixNano()) / 1e9
	if tl.imported > 0 {
		run.ImportSeconds = tl.imported - start
	}
	if tl.clockStart > 0 {
		run.StartupSeconds = tl.clockStart - start
	}
	if tl.exportDone > 0 {
		run.ExportSeconds = tl.exportDone - tl.exportStart
	}
	run.Failure, run.Excerpt = tl.classify()
	return run
}

func (tl *trainLog) classify() (research.FailureKind, string) {
	out := tl.res.Output
	switch {
	case tl.res.TimedOut:
		return research.FailTimeout, bound(fmt.Sprintf("killed after %s (budget + start-up + save allowances)\n%s", tl.limit.Round(time.Second), tail(out, 600)), excerptMax)
	case tl.diverged:
		return research.FailDivergence, bound("training loss became NaN or infinite\n"+tail(out, 600), excerptMax)
	case tl.failure != "":
		return research.FailureKind(tl.failure), bound(tl.failureMsg+"\n"+Excerpt(out), excerptMax)
	case tl.res.Signal == "killed" || looksOOM(out):
		return research.FailOOM, bound("the train process was killed (out of memory?)\n"+Excerpt(out), excerptMax)
	case tl.res.ExitCode != 0:
		return research.FailCrash, bound(fmt.Sprintf("exit status %d %s\n%s", tl.res.ExitCode, tl.res.Signal, Excerpt(out)), excerptMax)
	case !tl.modelOK:
		return research.FailExport, bound("the script ended without exporting a model: call H.save_model(model, example_input)\n"+tail(out, 600), excerptMax)
	}
	return "", ""
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

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return "..." + strings.ToValidUTF8(s[len(s)-n:], "")
}

func bound(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "..."
}
