package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
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
	f.StringVar(&o.Proposer, "proposer", "auto", "auto, claude, openai, search (offline), tpe or cmaes (Optuna's model-based optimisers over the search space), hybrid (a model for structure, CMA-ES for the values between), or a control: random (search without a parent), unchanged (the parent as it is: an A/A test of the acceptance rule)")
	f.StringVar(&o.BaseURL, "base-url", "", "API base URL (an OpenAI-compatible server, or a Claude proxy)")
	f.IntVar(&o.run.Workers, "workers", 0, "experiments in flight at once (default: one per device; on a CPU, each worker is pinned to its own share of the cores)")
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
	case o.run.Workers < 0 || o.run.Workers > 64:
		return usageErr(fmt.Errorf("--workers %d: want 1 to 64 (0: one per device)", o.run.Workers))
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
	rng := searchRNG(o.SearchSeed)
	prop, err := chooseProposer(s, o, t, rng)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	if err := checkRecorded(ctx, db, t, o.run); err != nil {
		return err
	}
	r, err := newEngine(ctx, g, s, t, o.run)
	if err != nil {
		return err
	}
	defer r.Close()
	stop, err := startProposer(ctx, prop, r.local.Env, db, t)
	if err != nil {
		return err
	}
	defer stop()
	l, lp := newLoop(ctx, s, db, r, t, prop, rng, o)
	sum, err := l.Run(ctx, t.Baseline)
	lp.summary(sum)
	if err != nil {
		return err
	}
	return runStatus(ctx, s, g, statusOpts{Last: defaultLast})
}

// searchRNG is the strategy's and the offline proposer's randomness,
// seeded by --search-seed (0: from the clock).
func searchRNG(seed uint64) *rand.Rand {
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: search randomness, not security; seeded for reproducibility
}

// newLoop wires the loop and its terminal view, and prints its header.
func newLoop(ctx context.Context, s Streams, db *sqlite.DB, en *engine, t *task.Task, prop research.Proposer,
	rng *rand.Rand, o loopOpts) (*research.Loop, *loopPrinter) {
	r := en.local
	lp := &loopPrinter{s: s, t: t, max: o.MaxExperiments, budget: r.Cfg.TrainSeconds}
	if best, err := db.Best(ctx, t.Name); err == nil && best != nil {
		lp.live.best = best.Outcome.Mean
	}
	en.onEvent(both(lp.seed, newLiveRecorder(db).event))
	workers := en.workers(o.run)
	fmt.Fprintf(s.Out, "task %s · %s (%s is better) · budget %s · seeds %s · accept %s · %d worker(s)%s · isolation %s\n",
		t.Name, t.Metric, t.Direction.Word(), r.Plan().Budget(), joinSeeds(r.Cfg.Seeds), o.run.Accept, workers, places(r.Cfg.Slots)+en.where(), r.Cfg.Isolation)
	return &research.Loop{
		Task: t.Name, Goal: t.Goal(), Store: db, Runner: en.run, Proposer: prop,
		Validator: validate.Validator{Env: r.Env}, Strategy: research.DefaultStrategy(rng), Workers: workers,
		Accept:  research.AcceptRule(o.run.Accept),
		Limits:  research.Limits{MaxExperiments: o.MaxExperiments, MaxDuration: time.Duration(o.MaxHours * float64(time.Hour)), BudgetUSD: o.BudgetUSD},
		OnEvent: lp.loop,
	}, lp
}
