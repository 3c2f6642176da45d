package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/task"
)

func feed(p *loopPrinter) {
	m := 0.25
	e := &research.Experiment{Seq: 2, Mode: research.ModeExplore, Description: "wider \x1b[2Jnet"}
	p.loop(research.LoopEvent{Stage: research.StageProposing, Experiment: e, ParentSeq: 1})
	p.loop(research.LoopEvent{Stage: research.StageValidating, Experiment: e, ParentSeq: 1})
	p.loop(research.LoopEvent{Stage: research.StageRunning, Experiment: e, ParentSeq: 1})
	p.seed(runner.Event{Seed: 42, Phase: research.PhaseTraining})
	p.seed(runner.Event{Seed: 42, Phase: research.PhaseTraining, Step: 25, Loss: 1.5})
	p.seed(runner.Event{Seed: 42, Phase: research.PhaseEvaluating})
	p.seed(runner.Event{Seed: 42, Phase: research.PhaseDone, Run: &research.SeedRun{Seed: 42, OK: true, Metric: &m}})
	e.Status, e.Outcome, e.Cost = research.StatusKept, research.Outcome{Mean: &m}, research.Cost{USD: 0.02}
	p.loop(research.LoopEvent{Stage: research.StageDone, Experiment: e, ParentSeq: 1})
}

func TestLoopProgressOnATerminal(t *testing.T) {
	var out bytes.Buffer
	p := &loopPrinter{s: Streams{Out: &out, IsTTY: true}, t: &task.Task{Manifest: task.Manifest{Metric: "error_rate"}}, max: 10, budget: 30}
	feed(p)
	got := out.String()
	for _, want := range []string{"[1/10] explore from #1", "training seed 42", "/30s", "loss 1.5000", "evaluating seed 42",
		"#2 kept · error_rate 0.2500", "best 0.2500", "1 kept 0 discarded 0 failed", "$0.0200"} {
		if !strings.Contains(got, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, got)
		}
	}
	if strings.Contains(got, "\x1b[2J") {
		t.Error("a description's escape sequence reached the terminal")
	}
}

func TestLoopProgressPlain(t *testing.T) {
	var out bytes.Buffer
	p := &loopPrinter{s: Streams{Out: &out}, t: &task.Task{Manifest: task.Manifest{Metric: "error_rate"}}, max: 10, budget: 30}
	feed(p)
	got := out.String()
	if strings.Contains(got, "\r") || strings.Contains(got, "\x1b") {
		t.Fatalf("plain output has terminal controls: %q", got)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "· proposing") || !strings.HasPrefix(lines[4], "#2 kept") {
		t.Fatalf("want one line per event:\n%s", got)
	}
}
