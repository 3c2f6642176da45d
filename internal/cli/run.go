package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/anthropic"
	"github.com/autoresearch/autoresearch/internal/llm/openai"
	"github.com/autoresearch/autoresearch/internal/propose"
	"github.com/autoresearch/autoresearch/internal/propose/search"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/validate"
)

type loopOpts struct {
	run            runOpts
	MaxExperiments int
	MaxHours       float64
	BudgetUSD      float64
	Model          string
	Proposer       string
	BaseURL        string
	Workers        int
	SearchSeed     uint64
	PriceIn        float64
	PriceOut       float64
	modelSet       bool
}

func newRunCmd(s Streams, g *globalOpts) *cobra.Command {
	o := loopOpts{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the research loop: propose, check, run, keep only real improvements",
		Long: "Runs the task's baseline if it has none, then proposes new scripts (Claude, an OpenAI-compatible model,\n" +
			"or the offline search proposer), validates them, runs them under the budget with several seeds, and keeps\n" +
			"those whose mean beats the best. Running it again continues from what the database holds.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.modelSet = cmd.Flags().Changed("model")
			return runLoop(cmd.Context(), s, g, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.MaxExperiments, "max-experiments", 10, "stop after this many proposed experiments (0: no limit)")
	f.Float64Var(&o.MaxHours, "max-hours", 0, "stop proposing after this many hours (0: no limit)")
	f.Float64Var(&o.BudgetUSD, "budget-usd", 0, "stop proposing once API spend reaches this many dollars (0: no limit)")
	f.StringVar(&o.Model, "model", "claude-sonnet-4-6", "model for the LLM proposers")
	f.StringVar(&o.Proposer, "proposer", "auto", "auto, claude, openai or search (offline)")
	f.StringVar(&o.BaseURL, "base-url", "", "API base URL (an OpenAI-compatible server, or a Claude proxy)")
	f.IntVar(&o.Workers, "workers", 1, "experiments in flight at once")
	f.Uint64Var(&o.SearchSeed, "search-seed", 0, "random seed of the strategy and the offline proposer (0: from the clock)")
	f.Float64Var(&o.PriceIn, "price-in", 0, "dollars per million input tokens, for a model not in the pricing table")
	f.Float64Var(&o.PriceOut, "price-out", 0, "dollars per million output tokens, for a model not in the pricing table")
	taskFlags(cmd, g)
	envFlags(cmd, g)
	runFlags(cmd, &o.run)
	return cmd
}

func (o *loopOpts) validate() error {
	switch {
	case o.MaxExperiments < 0 || o.MaxHours < 0 || o.BudgetUSD < 0:
		return usageErr(fmt.Errorf("--max-experiments, --max-hours and --budget-usd must not be negative"))
	case o.Workers < 1 || o.Workers > 64:
		return usageErr(fmt.Errorf("--workers %d: want 1 to 64", o.Workers))
	}
	return o.run.validate()
}

func runLoop(ctx context.Context, s Streams, g *globalOpts, o loopOpts) (err error) {
	if err := o.validate(); err != nil {
		return err
	}
	t, err := loadTask(g)
	if err != nil {
		return err
	}
	seed := o.SearchSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: search randomness, not security; seeded for reproducibility
	prop, err := chooseProposer(s, o, t, rng)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	r, err := newRunner(ctx, g, s, t, o.run)
	if err != nil {
		return err
	}
	lp := &loopPrinter{s: s, t: t, max: o.MaxExperiments, budget: r.Cfg.TrainSeconds}
	if best, err := db.Best(ctx, t.Name); err == nil && best != nil {
		lp.live.best = best.Outcome.Mean
	}
	r.Cfg.OnEvent = both(lp.seed, newLiveRecorder(db).event)
	l := &research.Loop{
		Task: t.Name, Direction: t.Direction, Store: db, Runner: r, Proposer: prop,
		Validator: validate.Validator{Env: r.Env}, Strategy: research.DefaultStrategy(rng), Workers: o.Workers,
		Limits:  research.Limits{MaxExperiments: o.MaxExperiments, MaxDuration: time.Duration(o.MaxHours * float64(time.Hour)), BudgetUSD: o.BudgetUSD},
		OnEvent: lp.loop,
	}
	fmt.Fprintf(s.Out, "task %s · %s (%s is better) · budget %gs · seeds %s · %d worker(s) · isolation %s\n",
		t.Name, t.Metric, better(t.Direction), r.Cfg.TrainSeconds, joinSeeds(r.Cfg.Seeds), o.Workers, r.Cfg.Isolation)
	sum, err := l.Run(ctx, t.Baseline)
	if s.IsTTY {
		fmt.Fprint(s.Out, "\r\033[K")
	}
	fmt.Fprintf(s.Out, "\n%d experiments: %d kept, %d discarded, %d failed, %d interrupted · spent $%.4f\n",
		sum.Experiments, sum.Kept, sum.Discarded, sum.Failed, sum.Interrupted, sum.SpentUSD)
	if err != nil {
		return err
	}
	return runStatus(ctx, s, g, statusOpts{Last: defaultLast})
}

// chooseProposer resolves --proposer; auto picks Claude when
// ANTHROPIC_API_KEY is set, an OpenAI-compatible server when
// OPENAI_API_KEY or --base-url is, else the offline search.
func chooseProposer(s Streams, o loopOpts, t *task.Task, rng *rand.Rand) (research.Proposer, error) {
	name := o.Proposer
	if name == "auto" {
		switch {
		case os.Getenv("ANTHROPIC_API_KEY") != "":
			name = "claude"
		case os.Getenv("OPENAI_API_KEY") != "" || o.BaseURL != "":
			name = "openai"
		default:
			name = "search"
			fmt.Fprintln(s.Out, "proposer: offline search over the baseline's search space (no API key set)")
		}
	}
	switch name {
	case "search":
		return search.New(rng), nil
	case "random": // the control for the search proposer (see docs/BENCHMARKS.md)
		return search.NewRandom(rng), nil
	case "claude", "openai":
		return llmProposer(s, o, t, name)
	}
	return nil, usageErr(fmt.Errorf("--proposer %q: want auto, claude, openai or search", o.Proposer))
}

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
	phase                   string
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
	switch ev.Kind {
	case "proposing":
		st.n++
		st.mode, st.parent, st.loss = e.Mode, ev.ParentSeq, nil
	case "done":
		p.tally(e)
	}
	st.phase, st.since = ev.Kind, time.Now()
	if line := p.eventLine(ev); line != "" {
		p.println(line)
	} else {
		p.redraw()
	}
}

func (p *loopPrinter) tally(e *research.Experiment) {
	st := &p.live
	st.spent += e.Cost.USD
	switch e.Status {
	case research.StatusKept:
		st.kept++
		st.best = e.Outcome.Mean
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
	case ev.Kind == "done":
		return p.decision(e)
	case ev.Kind == "running" && e.Mode == research.ModeBaseline:
		return "→ baseline (the task has none yet)"
	case ev.Kind == "running":
		return fmt.Sprintf("→ %s from #%d: %s", e.Mode, ev.ParentSeq, shorten(sanitize(e.Description, false), 70))
	case !p.s.IsTTY:
		return fmt.Sprintf("· %s (%s from #%d)", ev.Kind, e.Mode, ev.ParentSeq)
	}
	return ""
}

func (p *loopPrinter) decision(e *research.Experiment) string {
	line := fmt.Sprintf("#%d %s", e.Seq, statusLabel(*e))
	if e.Outcome.Mean != nil {
		line += fmt.Sprintf(" · %s %s", p.t.Metric, metricLabel(*e))
	}
	if e.Status == research.StatusFailed {
		line += " · " + shorten(sanitize(firstLine(e.Outcome.Excerpt), false), 90)
	}
	return line
}

func (p *loopPrinter) seed(ev runner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.live
	switch ev.Phase {
	case "train":
		if ev.Step == 0 && ev.Loss == 0 {
			st.phase, st.since = fmt.Sprintf("training seed %d", ev.Seed), time.Now()
		} else {
			loss := ev.Loss
			st.loss = &loss
		}
	case "evaluate":
		st.phase, st.since = fmt.Sprintf("evaluating seed %d", ev.Seed), time.Now()
	case "done":
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
	if strings.HasPrefix(st.phase, "training") {
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

// LLM client settings: the SDKs retry 429, 5xx and 529 (honouring
// retry-after) up to maxRetries times; one request may take requestTimeout.
const (
	maxRetries     = 4
	requestTimeout = 5 * time.Minute
)

func llmProposer(s Streams, o loopOpts, t *task.Task, name string) (research.Proposer, error) {
	var client llm.Client
	model := o.Model
	switch name {
	case "claude":
		key := os.Getenv("ANTHROPIC_API_KEY")
		if key == "" {
			return nil, usageErr(fmt.Errorf("--proposer claude needs ANTHROPIC_API_KEY in the environment"))
		}
		client = anthropic.New(llm.Options{APIKey: key, BaseURL: o.BaseURL, MaxRetries: maxRetries, Timeout: requestTimeout})
	default:
		if !o.modelSet {
			return nil, usageErr(fmt.Errorf("--proposer openai needs --model (the name your server knows)"))
		}
		key := os.Getenv("OPENAI_API_KEY")
		if key == "" {
			key = "none" // local servers (ollama, llama.cpp, vLLM) accept any key
		}
		client = openai.New(llm.Options{APIKey: key, BaseURL: o.BaseURL, MaxRetries: maxRetries, Timeout: requestTimeout})
	}
	price, known := llm.Lookup(model)
	if o.PriceIn > 0 || o.PriceOut > 0 {
		price, known = llm.Price{In: o.PriceIn, Out: o.PriceOut}, true
	}
	if !known {
		fmt.Fprintf(s.Out, "no price known for %s: its cost is recorded as $0 (set --price-in and --price-out)\n", sanitize(model, false))
	}
	fmt.Fprintf(s.Out, "proposer: %s, model %s\n", name, sanitize(model, false))
	info := propose.TaskInfo{Name: t.Name, Metric: t.Metric, Direction: t.Direction, TrainSeconds: t.TrainSeconds, Prompt: t.Prompt}
	if o.run.TrainSeconds > 0 {
		info.TrainSeconds = o.run.TrainSeconds
	}
	return &propose.Proposer{Client: client, Model: model, Price: price, Task: info}, nil
}
