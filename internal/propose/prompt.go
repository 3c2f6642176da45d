package propose

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/autoresearch/autoresearch/internal/research"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// Bounds that keep a prompt's size flat however long the run.
const (
	maxCandidates = 3
	maxRecent     = 8
	maxFailures   = 3
	maxDescBytes  = 200
	maxCauseBytes = 300
)

// TaskInfo is what the prompt says about the task.
type TaskInfo struct {
	Name string
	research.Goal
	Budget research.Budget
	Prompt string
	// Tuned: an optimiser tunes the search space's values between the
	// model's proposals (the hybrid), so the model is asked for structure.
	Tuned bool
}

var instructions = map[research.Mode]string{
	research.ModeImprove:   "Improve the current script, the best or one of the best so far, with one focused change.",
	research.ModeExplore:   "Explore: propose a radical departure from the current script (a different architecture, optimiser or training scheme) that could beat the best by a wide margin.",
	research.ModeDiversify: "Diversify: the last attempts on the best script failed to improve it. Improve this other candidate instead, in a direction not tried recently.",
}

// System renders the stable part of the prompt (cacheable).
func (t TaskInfo) System() string {
	return render("system.tmpl", map[string]any{"Task": t.Name, "Metric": t.Metric, "Better": t.Direction.Word(),
		"Budget": budgetText(t.Budget), "Prompt": t.Prompt, "Tuned": t.Tuned})
}

// budgetText says a budget as the prompt does.
func budgetText(b research.Budget) string {
	secs := strconv.FormatFloat(b.Seconds, 'g', -1, 64) + " seconds"
	if b.Steps > 0 {
		return fmt.Sprintf("%d gradient steps (every backward pass is one, and one past the budget fails the run: check "+
			"`H.time_left() > 0` before each), within a ceiling of %s that the steps must fit in", b.Steps, secs)
	}
	return secs
}

type line struct {
	Seq                                                       int64
	Metric, Description, Status, Delta, Kind, Cause, Training string
}

// User renders the whole per-experiment part: Parent then History.
func (t TaskInfo) User(req research.Request) string { return t.Parent(req) + t.History(req) }

// Parent renders the best candidates and the parent's script: they
// repeat until a keep changes them, so they end a cacheable prefix.
func (t TaskInfo) Parent(req research.Request) string {
	p := req.Parent
	return render("parent.tmpl", map[string]any{"ParentSeq": p.Seq, "Metric": t.Metric, "ParentTraining": training(&p),
		"ParentMetric": metric(p.Outcome.Mean), "ParentCode": fenceSafe(p.Code), "Candidates": t.candidates(req.Candidates)})
}

// History renders the mode's instruction and the bounded recent history.
func (t TaskInfo) History(req research.Request) string {
	return render("user.tmpl", map[string]any{
		"Mode": req.Mode, "Instruction": instructions[req.Mode], "Metric": t.Metric, "BetterDelta": t.Direction.ImprovingSign(),
		"Recent": recent(req.Recent), "Failures": failures(req.Recent),
	})
}

func render(name string, data any) string {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		panic(err) // the embedded templates are fixed and tested
	}
	return b.String()
}

func (t TaskInfo) candidates(list []research.Experiment) []line {
	var out []line
	for _, e := range list[:min(len(list), maxCandidates)] {
		out = append(out, line{Seq: e.Seq, Metric: t.Metric + " " + metric(e.Outcome.Mean), Description: untrusted(e.Description, maxDescBytes)})
	}
	return out
}

func recent(list []research.Experiment) []line {
	byID := map[int64]research.Experiment{}
	for _, e := range list {
		byID[e.ID] = e
	}
	var out []line
	for _, e := range list[max(0, len(list)-maxRecent):] {
		l := line{Seq: e.Seq, Status: string(e.Status), Description: untrusted(e.Description, maxDescBytes), Delta: "n/a", Training: training(&e)}
		if e.Status == research.StatusFailed {
			l.Status = "failed (" + string(e.Outcome.Failure) + ")"
		}
		if p, ok := byID[deref(e.ParentID)]; ok && e.Outcome.Mean != nil && p.Outcome.Mean != nil {
			l.Delta = fmt.Sprintf("%+.4f", *e.Outcome.Mean-*p.Outcome.Mean)
		}
		out = append(out, l)
	}
	return out
}

func failures(list []research.Experiment) []line {
	var out []line
	for i := len(list) - 1; i >= 0 && len(out) < maxFailures; i-- {
		if e := list[i]; e.Status == research.StatusFailed {
			out = append(out, line{Seq: e.Seq, Kind: string(e.Outcome.Failure), Cause: untrusted(lastLines(e.Outcome.Excerpt, 3), maxCauseBytes)})
		}
	}
	return out
}

// training says how e trained, in one short line ("" when none of its
// seeds logged a curve): its loss from first to last, its steps and
// their rate, and the loss's change over the last fifth of the steps.
func training(e *research.Experiment) string {
	d, ok := research.ExperimentDynamics(e)
	if !ok {
		return ""
	}
	rate := ""
	if d.StepsPerSecond > 0 {
		rate = fmt.Sprintf(" at %.3g/s", d.StepsPerSecond)
	}
	return fmt.Sprintf("loss %.3g→%.3g, %d steps%s, last fifth %+.3g%% (%s)", d.Start, d.End, d.Steps, rate, 100*d.LastFifth, d.Trend())
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func metric(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *v)
}

// untrusted bounds text from a model or a training log and makes sure it
// cannot close its <untrusted-data> fence or a code fence.
func untrusted(s string, n int) string {
	s = strings.NewReplacer("<untrusted-data>", "(untrusted-data)", "</untrusted-data>", "(/untrusted-data)", "```", "'''").Replace(s)
	return research.Clip(oneLine(s), n)
}

// fenceSafe keeps a script from closing the code fence it is shown in.
func fenceSafe(code string) string {
	return strings.ReplaceAll(code, "```", "'''")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " / ")
}
