package cli

import (
	"fmt"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/task"
)

// loopPrinter reports the loop. Off a terminal: one plain line per event.
// On a terminal: decision lines scroll, and one live status line below
// them shows experiment n/N, mode, parent, phase, elapsed vs budget, last
// loss, best so far, keeps/discards/failures and spend.
type loopPrinter struct {
	mu     sync.Mutex
	s      Streams
	t      *task.Task
	max    int
	budget float64
	live   liveState
}

type liveState struct {
	n                       int
	mode                    research.Mode
	parent                  int64
	phase                   string // what the line says
	training                bool   // a seed is training: elapsed is shown against the budget
	since                   time.Time
	loss                    *float64
	best                    *float64
	kept, discarded, failed int
	spent                   float64
}

func (p *loopPrinter) loop(ev research.LoopEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := ev.Experiment
	st := &p.live
	switch ev.Stage {
	case research.StageProposing:
		st.n++
		st.mode, st.parent, st.loss = e.Mode, ev.ParentSeq, nil
	case research.StageDone:
		p.tally(e)
	}
	st.phase, st.since, st.training = string(ev.Stage), time.Now(), false
	if line := p.eventLine(ev); line != "" {
		p.println(line)
	} else {
		p.redraw()
	}
}

// summary ends the live line and prints what the loop did.
func (p *loopPrinter) summary(sum research.Summary) {
	if p.s.IsTTY {
		fmt.Fprint(p.s.Out, "\r\033[K")
	}
	fmt.Fprintf(p.s.Out, "\n%d experiments: %d kept, %d discarded, %d failed, %d interrupted · spent $%.4f\n",
		sum.Experiments, sum.Kept, sum.Discarded, sum.Failed, sum.Interrupted, sum.SpentUSD)
}

func (p *loopPrinter) tally(e *research.Experiment) {
	st := &p.live
	st.spent += e.Cost.USD
	switch e.Status {
	case research.StatusKept:
		st.kept++
		if st.best == nil || p.t.Direction.Better(*e.Outcome.Mean, *st.best) { // keeps may be reported out of order
			st.best = e.Outcome.Mean
		}
	case research.StatusDiscarded:
		st.discarded++
	case research.StatusFailed:
		st.failed++
	}
}

// eventLine is the line an event prints: every event off a terminal,
// only decisions and starts on one.
func (p *loopPrinter) eventLine(ev research.LoopEvent) string {
	e := ev.Experiment
	switch {
	case ev.Stage == research.StageDone:
		return p.decision(e)
	case ev.Stage == research.StageRunning && e.Mode == research.ModeBaseline:
		return "→ baseline (the task has none yet)"
	case ev.Stage == research.StageRunning:
		return fmt.Sprintf("→ %s from #%d: %s", e.Mode, ev.ParentSeq, research.Clip(sanitize(e.Description, false), 70))
	case !p.s.IsTTY:
		return fmt.Sprintf("· %s (%s from #%d)", ev.Stage, e.Mode, ev.ParentSeq)
	}
	return ""
}

func (p *loopPrinter) decision(e *research.Experiment) string {
	line := fmt.Sprintf("#%d %s", e.Seq, statusLabel(*e))
	if e.Outcome.Mean != nil {
		line += fmt.Sprintf(" · %s %s", p.t.Metric, metricLabel(*e))
	}
	if e.Status == research.StatusFailed {
		line += " · " + research.Clip(sanitize(firstLine(e.Outcome.Excerpt), false), 90)
	}
	return line
}

func (p *loopPrinter) seed(ev runner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.live
	switch ev.Phase {
	case research.PhaseTraining:
		if ev.Step == 0 && ev.Loss == 0 {
			st.phase, st.since, st.training = fmt.Sprintf("training seed %d", ev.Seed), time.Now(), true
		} else {
			loss := ev.Loss
			st.loss = &loss
		}
	case research.PhaseEvaluating:
		st.phase, st.since, st.training = fmt.Sprintf("evaluating seed %d", ev.Seed), time.Now(), false
	case research.PhaseQueued:
		st.phase, st.since, st.training = fmt.Sprintf("seed %d queued: %s", ev.Seed, sanitize(ev.Place, false)), time.Now(), false
	case research.PhaseDone:
		p.println("  " + seedLine(p.t.Metric, ev.Run))
		return
	}
	p.redraw()
}

// println prints a line above the live status line.
func (p *loopPrinter) println(line string) {
	if p.s.IsTTY {
		fmt.Fprint(p.s.Out, "\r\033[K")
	}
	fmt.Fprintln(p.s.Out, line)
	p.redraw()
}

func (p *loopPrinter) redraw() {
	if !p.s.IsTTY {
		return
	}
	fmt.Fprint(p.s.Out, "\r\033[K"+p.status())
}

func (p *loopPrinter) status() string {
	st := p.live
	n := fmt.Sprintf("%d", st.n)
	if p.max > 0 {
		n += fmt.Sprintf("/%d", p.max)
	}
	line := fmt.Sprintf("[%s] %s from #%d · %s %.0fs", n, st.mode, st.parent, st.phase, time.Since(st.since).Seconds())
	if st.training {
		line += fmt.Sprintf("/%gs", p.budget)
	}
	if st.loss != nil {
		line += fmt.Sprintf(" · loss %.4f", *st.loss)
	}
	line += fmt.Sprintf(" · best %s · %d kept %d discarded %d failed · $%.4f",
		formatMetric(st.best, nil), st.kept, st.discarded, st.failed, st.spent)
	return line
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
