package research_test

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/anthropic"
	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
	"github.com/autoresearch/autoresearch/internal/propose"
	"github.com/autoresearch/autoresearch/internal/propose/tune"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// noopRunner scores a script by its hash, and logs a loss curve of 40
// points (what a prompt's training dynamics are made from): the loop,
// not training, is measured.
type noopRunner struct{}

func (noopRunner) Plan() research.Plan { return research.Plan{TrainSeconds: 30, Seeds: []int64{42}} }
func (noopRunner) RunSeed(_ context.Context, s research.SeedSpec) (research.SeedRun, error) {
	h := fnv.New32a()
	h.Write([]byte(s.Code))
	m := 3 + float64(h.Sum32()%1000)/1000
	var loss []research.LossPoint
	for i := range 40 {
		loss = append(loss, research.LossPoint{Step: 25 * i, Loss: m + 2/float64(i+1), Elapsed: float64(i) * 0.7})
	}
	return research.SeedRun{Seed: s.Seed, OK: true, Metric: &m, Steps: 975 + int(h.Sum32()%50), TrainSeconds: 29.5, Loss: loss}, nil
}

type acceptAll struct{}

func (acceptAll) Validate(context.Context, string) error { return nil }

// tokenServer is a fake Claude that answers with a full rewrite of the
// parent (a new learning rate) and reports usage the way the API does:
// about 4 bytes a token; a prefix ending at a cache_control breakpoint is
// read from the cache when an earlier request wrote it, and written when
// it is new; prefixes under minCacheTokens (Sonnet's minimum) are not
// cached at all.
type tokenServer struct {
	mu     sync.Mutex
	seen   map[string]bool
	input  []int64 // uncached input tokens per request
	cached []int64
	writes []int64
	rng    *rand.Rand
}

const minCacheTokens = 1024

type wirePart struct {
	Text         string          `json:"text"`
	CacheControl json.RawMessage `json:"cache_control"`
}

type wireRequest struct {
	System   []wirePart `json:"system"`
	Messages []struct {
		Content []wirePart `json:"content"`
	} `json:"messages"`
}

// usage splits a request's input tokens into uncached, cache-read and
// cache-write tokens.
func (ts *tokenServer) usage(req wireRequest) (in, read, write int64) {
	parts := append([]wirePart{}, req.System...)
	for _, m := range req.Messages {
		parts = append(parts, m.Content...)
	}
	var prefix strings.Builder
	var breakpoints []string
	for _, p := range parts {
		prefix.WriteString(p.Text)
		if len(p.CacheControl) > 0 && prefix.Len()/4 >= minCacheTokens {
			breakpoints = append(breakpoints, prefix.String())
		}
	}
	total := int64(prefix.Len() / 4)
	for _, bp := range breakpoints {
		if ts.seen[bp] {
			read = int64(len(bp) / 4)
		}
	}
	if n := len(breakpoints); n > 0 && !ts.seen[breakpoints[n-1]] {
		write = int64(len(breakpoints[n-1])/4) - read
	}
	for _, bp := range breakpoints {
		ts.seen[bp] = true
	}
	return total - read - write, read, write
}

func (ts *tokenServer) reply(body []byte, baseline string) llmtest.Reply {
	var req wireRequest
	_ = json.Unmarshal(body, &req)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	in, read, write := ts.usage(req)
	ts.input, ts.cached, ts.writes = append(ts.input, in), append(ts.cached, read), append(ts.writes, write)
	code := strings.Replace(baseline, "lr: float = 3e-3", fmt.Sprintf("lr: float = %.5f", 1e-3+ts.rng.Float64()*1e-2), 1)
	answer, _ := json.Marshal(map[string]string{"description": "try another learning rate on the current best",
		"hypothesis": "the schedule is sensitive to lr", "category": "hyperparameter", "code": code})
	return llmtest.AnthropicText(string(answer), llmtest.Usage{Input: in, Output: int64(len(answer) / 4), CacheRead: read, CacheWrite: write})
}

func benchLoop(b *testing.B, n int) (*tokenServer, time.Duration) {
	ts, el, _ := benchProposer(b, n, 0)
	return ts, el
}

// benchProposer runs n experiments of the loop with the model proposing
// (rounds > 0: the hybrid, CMA-ES for that many proposals between its
// turns) and returns the fake server's tallies, the time taken and the
// experiments recorded.
func benchProposer(b *testing.B, n, rounds int) (*tokenServer, time.Duration, []research.Experiment) {
	hybrid := rounds > 0
	tk, err := task.Load("shakespeare", "")
	if err != nil {
		b.Fatal(err)
	}
	ts := &tokenServer{rng: rand.New(rand.NewPCG(1, 2)), seen: map[string]bool{}}
	srv := llmtest.NewAnthropicFunc(func(body []byte) llmtest.Reply { return ts.reply(body, tk.Baseline) })
	defer srv.Close()
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	price, _ := llm.Lookup("claude-sonnet-4-6")
	var prop research.Proposer = &propose.Proposer{Client: anthropic.New(llm.Options{APIKey: "k", BaseURL: srv.URL}), Model: "claude-sonnet-4-6",
		Price: price, Task: propose.TaskInfo{Name: tk.Name, Goal: tk.Goal(), Budget: research.Budget{Seconds: 30}, Prompt: tk.Prompt, Tuned: hybrid}}
	if hybrid {
		tuner := &tune.Proposer{Sampler: tune.CMAES, Env: testutil.Env(b), Direction: tk.Direction, Seed: 5,
			History: func(ctx context.Context) ([]research.Experiment, error) { return db.List(ctx, tk.Name, true) }}
		if err := tuner.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		defer tuner.Close()
		prop = &tune.Hybrid{LLM: prop, Tuner: tuner, Rounds: rounds}
	}
	l := &research.Loop{Task: tk.Name, Goal: tk.Goal(), Store: db, Runner: noopRunner{}, Proposer: prop,
		Validator: acceptAll{}, Strategy: research.DefaultStrategy(rand.New(rand.NewPCG(3, 4))), Workers: 1,
		Limits: research.Limits{MaxExperiments: n}}
	start := time.Now()
	if _, err := l.Run(context.Background(), tk.Baseline); err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	list, err := db.List(context.Background(), tk.Name, false)
	if err != nil {
		b.Fatal(err)
	}
	return ts, el, list
}

// BenchmarkHybridSplit: what the model costs per proposed experiment,
// the model alone (llm) against the hybrid with CMA-ES for 2, 4 (the
// default: the model every fifth experiment) and 8 proposals between the
// model's turns: its calls, its input tokens (cache reads and writes
// included) and dollars at Sonnet's prices. The hybrid's model also takes
// the strategy's explore and diversify turns.
func BenchmarkHybridSplit(b *testing.B) {
	testutil.Need(b, testutil.Optuna)
	const n = 40
	for b.Loop() {
		for _, rounds := range []int{0, 2, 4, 8} {
			ts, _, list := benchProposer(b, n, rounds)
			var usd float64
			var tokens int64
			for i := range ts.input {
				tokens += ts.input[i] + ts.cached[i] + ts.writes[i]
			}
			for _, e := range list {
				usd += e.Cost.USD
			}
			name := "llm-"
			if rounds > 0 {
				name = fmt.Sprintf("hybrid%d-", rounds)
			}
			b.ReportMetric(float64(len(ts.input))/n, name+"calls/exp")
			b.ReportMetric(float64(tokens)/n, name+"tokens/exp")
			b.ReportMetric(usd/n, name+"usd/exp")
		}
	}
}

// BenchmarkLoopThroughput: experiments per second through the whole loop
// (strategy, real SQLite store, prompt rendering, the official SDK over
// HTTP to a fake Claude, parsing) with a no-op runner and validator.
func BenchmarkLoopThroughput(b *testing.B) {
	_, el := benchLoop(b, b.N)
	b.ReportMetric(float64(b.N)/el.Seconds(), "experiments/s")
}

// BenchmarkPromptTokens: input tokens per experiment at experiment 10 and
// 200, their ratio, and the shares of input tokens read from and written
// to the cache.
func BenchmarkPromptTokens(b *testing.B) {
	for b.Loop() {
		ts, _ := benchLoop(b, 200)
		at := func(i int) float64 { return float64(ts.input[i-1] + ts.cached[i-1] + ts.writes[i-1]) }
		var in, cached, written int64
		for i := range ts.input {
			in += ts.input[i]
			cached += ts.cached[i]
			written += ts.writes[i]
		}
		b.ReportMetric(at(10), "tokens@10")
		b.ReportMetric(at(200), "tokens@200")
		b.ReportMetric(at(200)/at(10), "ratio")
		b.ReportMetric(float64(cached)/float64(in+cached+written), "cache-read-share")
		b.ReportMetric(float64(written)/float64(in+cached+written), "cache-write-share")
	}
}

// BenchmarkAnswerSize: output tokens (about 4 bytes each) of the same
// change written as an edit and as a full rewrite of the shakespeare
// baseline.
func BenchmarkAnswerSize(b *testing.B) {
	tk, err := task.Load("shakespeare", "")
	if err != nil {
		b.Fatal(err)
	}
	edit := llmtest.Answer("lower lr", "hyperparameter", [][2]string{{"lr: float = 3e-3", "lr: float = 2e-3"}})
	full, _ := json.Marshal(map[string]string{"description": "lower lr", "hypothesis": "it should help", "category": "hyperparameter",
		"code": strings.Replace(tk.Baseline, "lr: float = 3e-3", "lr: float = 2e-3", 1)})
	for b.Loop() {
		b.ReportMetric(float64(len(edit))/4, "edit-tokens")
		b.ReportMetric(float64(len(full))/4, "full-tokens")
	}
}
