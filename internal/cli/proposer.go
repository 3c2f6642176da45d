package cli

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/anthropic"
	"github.com/autoresearch/autoresearch/internal/llm/openai"
	"github.com/autoresearch/autoresearch/internal/propose"
	"github.com/autoresearch/autoresearch/internal/propose/search"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

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
	case "claude", "openai":
		return llmProposer(s, o, t, name)
	}
	return nil, usageErr(fmt.Errorf("--proposer %q: want auto, claude, openai, search, random or unchanged", o.Proposer))
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
	info := propose.TaskInfo{Name: t.Name, Goal: t.Goal(), Budget: o.run.budget(t), Prompt: t.Prompt}
	return &propose.Proposer{Client: client, Model: model, Price: price, Task: info}, nil
}
