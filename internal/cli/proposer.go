package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/anthropic"
	"github.com/autoresearch/autoresearch/internal/llm/openai"
	"github.com/autoresearch/autoresearch/internal/propose"
	"github.com/autoresearch/autoresearch/internal/propose/search"
	"github.com/autoresearch/autoresearch/internal/propose/tune"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

// chooseProposer resolves --proposer; auto picks Claude when
// ANTHROPIC_API_KEY is set, an OpenAI-compatible server when
// OPENAI_API_KEY or --base-url is, else the offline search.
func chooseProposer(s Streams, o loopOpts, t *task.Task, rng *rand.Rand) (research.Proposer, error) {
	name := o.Proposer
	if name == "auto" {
		if name = modelFromKeys(o); name == "" {
			name = "search"
			fmt.Fprintln(s.Out, "proposer: offline search over the baseline's search space (no API key set)")
		}
	}
	// The offline proposer draws from a stream of its own, seeded from
	// rng: the strategy draws from rng under the loop's lock, proposals
	// outside it, workers side by side.
	own := rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())) //nolint:gosec // G404: search randomness, seeded for reproducibility
	switch name {
	case "search":
		return search.New(own), nil
	case "random": // the control for the search proposer (see docs/BENCHMARKS.md)
		return search.NewRandom(own), nil
	case "unchanged": // the A/A control for the acceptance rule (scripts/bench-noise.sh)
		return search.Unchanged{}, nil
	case tune.TPE, tune.CMAES: // the interpreter and the store are bound by startProposer
		return &tune.Proposer{Sampler: name, Direction: t.Direction, Seed: own.Uint32()}, nil
	case "hybrid":
		return hybridProposer(s, o, t, own)
	case "claude", "openai":
		return llmProposer(s, o, t, name, false)
	}
	return nil, usageErr(fmt.Errorf("--proposer %q: want auto, claude, openai, search, tpe, cmaes, hybrid, random or unchanged", o.Proposer))
}

// modelFromKeys is the model proposer the environment points to: Claude
// when ANTHROPIC_API_KEY is set, an OpenAI-compatible server when
// OPENAI_API_KEY or --base-url is; "" for none.
func modelFromKeys(o loopOpts) string {
	switch {
	case os.Getenv("ANTHROPIC_API_KEY") != "":
		return "claude"
	case os.Getenv("OPENAI_API_KEY") != "" || o.BaseURL != "":
		return "openai"
	}
	return ""
}

// hybridProposer pairs the model the keys point to (as auto picks it)
// with CMA-ES, which starts at the parent's values and steps around them:
// what a few rounds on each new structure want.
func hybridProposer(s Streams, o loopOpts, t *task.Task, rng *rand.Rand) (research.Proposer, error) {
	name := modelFromKeys(o)
	if name == "" {
		return nil, usageErr(fmt.Errorf("--proposer hybrid needs a model: set ANTHROPIC_API_KEY, or OPENAI_API_KEY or --base-url"))
	}
	model, err := llmProposer(s, o, t, name, true)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.Out, "proposer: hybrid, the model every %d experiments and CMA-ES over the search space between\n", tune.DefaultRounds+1)
	return &tune.Hybrid{LLM: model, Tuner: &tune.Proposer{Sampler: tune.CMAES, Direction: t.Direction, Seed: rng.Uint32()}}, nil
}

// startProposer gives a model-based proposer the loop's interpreter and
// the task's experiments to learn from, and starts its optimiser; the
// returned function ends it.
func startProposer(ctx context.Context, prop research.Proposer, env *pyenv.Env, db *sqlite.DB, t *task.Task) (func(), error) {
	tp, ok := prop.(*tune.Proposer)
	if h, hybrid := prop.(*tune.Hybrid); hybrid {
		tp, ok = h.Tuner.(*tune.Proposer)
	}
	if !ok {
		return func() {}, nil
	}
	tp.Env = env
	tp.History = func(ctx context.Context) ([]research.Experiment, error) { return db.List(ctx, t.Name, true) }
	if err := tp.Start(ctx); err != nil {
		return nil, err
	}
	return tp.Close, nil
}

// LLM client settings: the SDKs retry 429, 5xx and 529 (honouring
// retry-after) up to maxRetries times; one request may take requestTimeout.
const (
	maxRetries     = 4
	requestTimeout = 5 * time.Minute
)

// llmProposer is the model's proposer; tuned tells the model that an
// optimiser tunes the search space's values (the hybrid).
func llmProposer(s Streams, o loopOpts, t *task.Task, name string, tuned bool) (research.Proposer, error) {
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
	info := propose.TaskInfo{Name: t.Name, Goal: t.Goal(), Budget: o.run.budget(t), Prompt: t.Prompt, Tuned: tuned}
	return &propose.Proposer{Client: client, Model: model, Price: price, Task: info}, nil
}
