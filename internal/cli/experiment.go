package cli

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

// runFlags adds the flags of the commands that run experiments.
func runFlags(cmd *cobra.Command, o *runOpts) {
	f := cmd.Flags()
	f.Float64Var(&o.TrainSeconds, "train-seconds", 0, "training budget per seed in seconds (default: the task's)")
	f.IntVar(&o.BudgetSteps, "budget-steps", 0, "budget training in gradient steps (backward passes, counted by the harness) instead of "+
		"seconds, so that a loaded machine changes nothing; --train-seconds is then the ceiling (default 0: a time budget)")
	f.Int64SliceVar(&o.Seeds, "seeds", nil, "seeds to run, e.g. 42,137 (default: the task's)")
	f.StringVar(&o.Device, "device", "auto", "torch device: auto (CUDA, MPS, CPU), cpu, cuda, cuda:1, mps")
	f.StringVar(&o.Devices, "devices", "auto", "devices to place experiments on, one per worker in turn, each worker pinned to its own cores: "+
		"auto (every CUDA device, else MPS, else the CPU) or a list such as cuda:0,cuda:1")
	f.BoolVar(&o.NoTest, "no-test", false, "skip the held-out test split (by default the baseline and kept experiments are evaluated on it once decided)")
	f.DurationVar(&o.StartupAllow, "startup-allowance", 0, "time a script may take to start (interpreter, imports, data) before training counts "+
		"(default: the task's, else 5s; +10s where CUDA may be used)")
	f.DurationVar(&o.SaveAllow, "save-allowance", 0, "time allowed after the budget to export the model and exit (default: max(1s, 3% of the budget))")
	f.BoolVar(&o.KeepWorkspaces, "keep-workspaces", false, "keep each seed's folder (script, model, output) for inspection")
	f.StringVar(&o.Isolation, "isolation", "auto", "confine scripts: auto (the best this machine allows), strict (full or refuse), none")
	f.StringVar(&o.Accept, "accept", string(research.AcceptMargin), "acceptance rule: margin (keep only when the improvement over the best exceeds what the noise floor "+
		"allows by chance; unclear but promising results get more seeds) or mean (any better mean, the original rule)")
	f.IntVar(&o.MaxSeeds, "max-seeds", 0, "most seeds the margin rule may give an unclear experiment (default: twice the planned seeds)")
	f.IntVar(&o.ConfirmSeeds, "confirm-seeds", -1, "fresh seeds run on an experiment the margin rule would keep, before it is decided, so that the "+
		"lucky draw that made it look better does not decide alone (default: as many as planned; 0: none)")
	execFlags(cmd, &o.Exec)
}

// checkRecorded checks the task's goal and the budget asked for against
// those its experiments were recorded with (recording the goal when
// none was), so that a change stops before data is prepared.
func checkRecorded(ctx context.Context, db *sqlite.DB, t *task.Task, o runOpts) error {
	if err := db.SetGoal(ctx, t.Name, t.Goal()); err != nil {
		return err
	}
	return research.CheckBudget(ctx, db, t.Name, o.budget(t))
}

// runExperiment runs e through the runner and records it, printing
// progress. It returns errExperimentFailed when the experiment failed.
func runExperiment(ctx context.Context, g *globalOpts, s Streams, t *task.Task, o runOpts, e *research.Experiment) (err error) {
	if err := o.validate(); err != nil {
		return err
	}
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	if err := checkRecorded(ctx, db, t, o); err != nil {
		return err
	}
	o.Workers = 1 // one experiment: its seeds run one after another, on the first device
	en, err := newEngine(ctx, g, s, t, o)
	if err != nil {
		return err
	}
	defer en.Close()
	r := en.local
	p := &progress{s: s, metric: t.Metric}
	en.onEvent(both(p.event, newLiveRecorder(db).event))
	e.Task, e.Rule = t.Name, research.AcceptRule(o.Accept)
	fmt.Fprintf(s.Out, "task %s · %s (%s is better) · budget %s · seeds %s · accept %s · isolation %s%s\n",
		t.Name, t.Metric, t.Direction.Word(), r.Plan().Budget(), joinSeeds(r.Cfg.Seeds), o.Accept, r.Cfg.Isolation, en.where())
	if err := research.RunOne(ctx, db, en.run, t.Goal(), e); err != nil {
		p.clear()
		return err
	}
	p.clear()
	return summarize(s, t, e)
}

func summarize(s Streams, t *task.Task, e *research.Experiment) error {
	o := e.Outcome
	if e.Status == research.StatusFailed {
		fmt.Fprintf(s.Out, "experiment #%d failed (%s):\n%s\n", e.Seq, o.Failure, indent(o.Excerpt))
		return fmt.Errorf("%w: #%d %s (recorded in the database)", errExperimentFailed, e.Seq, o.Failure)
	}
	line := fmt.Sprintf("experiment #%d %s: %s %s", e.Seq, e.Status, t.Metric, metricLabel(*e))
	if o.Test != nil {
		line += fmt.Sprintf(" (test %.4f)", *o.Test)
	}
	line += seedsNote(e) + confirmNote(e)
	fmt.Fprintln(s.Out, line)
	return nil
}

// seedsNote says why e ran other than its planned seeds: dropped after
// its first, or given more while its improvement was unclear.
func seedsNote(e *research.Experiment) string {
	n := 0
	for _, s := range e.Outcome.Seeds {
		if !s.Confirm {
			n++
		}
	}
	switch {
	case n < e.SeedsPlanned && e.Outcome.Failure == "":
		return fmt.Sprintf(" · stopped after %d of %d seeds: clearly behind the best", n, e.SeedsPlanned)
	case n > e.SeedsPlanned:
		return fmt.Sprintf(" · %d seeds: %d more than planned while the improvement was unclear", n, n-e.SeedsPlanned)
	}
	return ""
}

// confirmNote gives a confirmed experiment's means apart: the one that
// called for the confirmation and the fresh seeds'.
func confirmNote(e *research.Experiment) string {
	o := e.Outcome
	if o.Confirmed == nil || o.First == nil {
		return ""
	}
	return fmt.Sprintf(" · %.4f on the seeds that called for a confirmation, %.4f on the fresh seeds that confirmed it", *o.First, *o.Confirmed)
}

func joinSeeds(seeds []int64) string {
	parts := make([]string, len(seeds))
	for i, v := range seeds {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

func formatMetric(mean, std *float64) string {
	if mean == nil {
		return "-"
	}
	if std == nil || *std == 0 {
		return fmt.Sprintf("%.4f", *mean)
	}
	return fmt.Sprintf("%.4f ± %.4f", *mean, *std)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(sanitize(s, true), "\n", "\n  ")
}

// progress prints runner events: one rewritten line on a terminal, a line
// per phase otherwise.
type progress struct {
	mu     sync.Mutex
	s      Streams
	metric string
	start  time.Time
	live   bool
}

func (p *progress) event(ev runner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Phase {
	case research.PhaseTraining:
		if ev.Step == 0 && ev.Loss == 0 {
			p.start = time.Now()
			p.line(fmt.Sprintf("seed %d: training...", ev.Seed), true)
			return
		}
		if p.s.IsTTY {
			p.line(fmt.Sprintf("seed %d: training %4.0fs · step %d · loss %.4f", ev.Seed, time.Since(p.start).Seconds(), ev.Step, ev.Loss), false)
		}
	case research.PhaseEvaluating:
		p.line(fmt.Sprintf("seed %d: evaluating...", ev.Seed), true)
	case research.PhaseQueued:
		p.line(fmt.Sprintf("seed %d: queued as %s", ev.Seed, sanitize(ev.Place, false)), true)
	case research.PhaseDone:
		p.clear()
		fmt.Fprintln(p.s.Out, seedLine(p.metric, ev.Run))
	}
}

func seedLine(metric string, r *research.SeedRun) string {
	if !r.OK {
		return fmt.Sprintf("seed %d: failed (%s)", r.Seed, r.Failure)
	}
	return fmt.Sprintf("seed %d: %s %.4f · trained %.1fs (step %d) · wall %.1fs (start-up %.1fs, export %.1fs, eval %.1fs)",
		r.Seed, metric, *r.Metric, r.TrainSeconds, r.Steps, r.WallSeconds, r.StartupSeconds, r.ExportSeconds, r.EvalSeconds)
}

// line shows text: rewritten in place on a terminal; printed once per
// phase (when phase is set) otherwise.
func (p *progress) line(text string, phase bool) {
	if p.s.IsTTY {
		fmt.Fprintf(p.s.Out, "\r\033[K%s", text)
		p.live = true
	} else if phase {
		fmt.Fprintln(p.s.Out, text)
	}
}

func (p *progress) clear() {
	if p.live {
		fmt.Fprint(p.s.Out, "\r\033[K")
		p.live = false
	}
}
