package cli

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

var llmFast = append([]string{"--no-test", "--search-seed", "5"}, fast...)

func TestRunWithFakeClaude(t *testing.T) {
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-canary-0123")
	edit := llmtest.Answer("lower lr", "optimizer", [][2]string{{"lr: float = 3e-3", "lr: float = 2e-3"}})
	rewriteJSON, _ := json.Marshal(map[string]string{"description": "smaller batches", "category": "hyperparameter",
		"code": strings.Replace(baselineCode(t), "batch_size: int = 32", "batch_size: int = 16", 1)})
	rewrite := string(rewriteJSON)
	s := llmtest.NewAnthropic(
		llmtest.AnthropicText(llmtest.Wrapped(edit), llmtest.Usage{Input: 1200, Output: 300, CacheRead: 4000, CacheWrite: 0}),
		llmtest.AnthropicText("Sorry, I cannot help with that.", llmtest.Usage{Input: 50, Output: 10, CacheRead: 4000}),
		llmtest.AnthropicText("Still no JSON here.", llmtest.Usage{Input: 50, Output: 10, CacheRead: 4000}),
		llmtest.AnthropicText(rewrite, llmtest.Usage{Input: 900, Output: 800, CacheWrite: 2000}),
	)
	defer s.Close()
	args := append([]string{"run", "--db", db, "--max-experiments", "4", "--base-url", s.URL, "--task", "shakespeare"}, llmFast...)
	code, out, errOut := run(context.Background(), t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "proposer: claude, model claude-sonnet-4-6") {
		t.Errorf("auto did not pick Claude:\n%s", out)
	}
	exps := statusJSON(t, db)
	if len(exps) != 5 {
		t.Fatalf("%d experiments, want baseline + 4", len(exps))
	}
	e := exps[1]
	want := ((1200+0.1*4000)*3 + 300*15) / 1e6
	if e.Category != research.CategoryOptimizer || e.Cost.InputTokens != 1200 || e.Cost.CacheReadTokens != 4000 ||
		math.Abs(e.Cost.USD-want) > 1e-9 || e.Cost.Model != "claude-sonnet-4-6" || e.Cost.Proposer != "claude" {
		t.Fatalf("experiment #2 recorded %+v (want $%v)", e, want)
	}
	f := exps[2]
	if f.Status != research.StatusFailed || f.FailureKind != "proposal" || f.Cost.InputTokens != 100 || f.Cost.CacheReadTokens != 8000 {
		t.Fatalf("experiment #3 recorded %+v", f)
	}
	if r := exps[3]; r.Metric == nil || r.Category != research.CategoryHyperparameter || r.Cost.CacheWriteTokens != 2000 || r.Parent == nil {
		t.Fatalf("the full rewrite recorded %+v", r)
	}
	// The same rewrite again: it runs, or, when its parent is that very
	// script, it is a proposal that changes nothing.
	if r := exps[4]; r.Metric == nil && !strings.Contains(r.FailureExcerpt, "does not change the script") {
		t.Fatalf("the repeated rewrite recorded %+v", r)
	}
	if _, dump, _ := run(context.Background(), t, "export", "--db", db, "--format", "json"); strings.Contains(dump, "canary") {
		t.Fatal("the API key reached the database")
	}
	for _, body := range s.Requests() {
		if strings.Contains(string(body), "canary") {
			t.Fatal("the API key appears in a prompt")
		}
	}
}

func TestRunWithFakeOpenAICompatibleServer(t *testing.T) {
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", "")
	edit := llmtest.Answer("smaller batch", "hyperparameter", [][2]string{{"batch_size: int = 32", "batch_size: int = 16"}})
	s := llmtest.NewOpenAI(llmtest.OpenAIText(edit, llmtest.Usage{Input: 1000, Output: 100, CacheRead: 500}))
	defer s.Close()
	args := append([]string{"run", "--db", db, "--max-experiments", "4", "--base-url", s.URL + "/v1", "--model", "local-coder",
		"--price-in", "1", "--price-out", "2"}, llmFast...)
	code, out, errOut := run(context.Background(), t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	e := exps[1]
	want := (1000*1 + 0.1*500*1 + 100*2) / 1e6
	if len(exps) != 5 || e.Cost.Proposer != "openai" || e.Cost.CacheReadTokens != 500 || math.Abs(e.Cost.USD-want) > 1e-12 {
		t.Fatalf("recorded %d experiments, #2 %+v (want $%v)", len(exps), e, want)
	}
	for _, e := range exps[2:] { // from #2 on, a kept parent no longer holds the edited line: a repair, then a failure
		if e.Cost.Proposer != "openai" || (e.Metric == nil && e.FailureKind != "proposal") {
			t.Fatalf("recorded %+v", e)
		}
	}
}

func TestRunStopsOnBadKey(t *testing.T) {
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", "sk-bad")
	s := llmtest.NewAnthropic(llmtest.AnthropicError(401, "authentication_error", "invalid x-api-key", nil))
	defer s.Close()
	args := append([]string{"run", "--db", db, "--max-experiments", "5", "--base-url", s.URL}, llmFast...)
	code, _, errOut := run(context.Background(), t, args...)
	if code != ExitProvider || !strings.Contains(errOut, "invalid x-api-key") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if exps := statusJSON(t, db); len(exps) != 2 || exps[1].FailureKind != "proposal" {
		t.Fatalf("recorded %+v", exps)
	}
}

func baselineCode(t *testing.T) string {
	t.Helper()
	tk, err := task.Load("shakespeare", "")
	if err != nil {
		t.Fatal(err)
	}
	return tk.Baseline
}

// TestRunSurvivesLLMFaults drives the loop through a fake Claude that
// answers with every fault in turn: the transient ones are retried within
// bounds and the proposal goes through; the rest become recorded
// `proposal` failures; the run completes.
func TestRunSurvivesLLMFaults(t *testing.T) {
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-test")
	u := llmtest.Usage{Input: 10, Output: 5}
	edit := llmtest.Answer("lower lr", "optimizer", [][2]string{{"lr: float = 3e-3", "lr: float = 2e-3"}})
	s := llmtest.NewAnthropic(
		llmtest.AnthropicError(429, "rate_limit_error", "slow down", nil), // retried by the SDK
		llmtest.Reply{Reset: true},
		llmtest.AnthropicError(500, "api_error", "boom", map[string]string{"retry-after-ms": "10"}),
		llmtest.AnthropicError(529, "overloaded_error", "Overloaded", map[string]string{"retry-after-ms": "10"}),
		llmtest.AnthropicText(edit, u),                                                                   // experiment #2 runs
		llmtest.AnthropicText(edit[:len(edit)/2], u), llmtest.AnthropicText("Prose, no JSON at all.", u), // #3: truncated, then prose
		llmtest.AnthropicText(`{"description": "d", "code": ""}`, u), // #4: empty script, then edits that do not apply
		llmtest.AnthropicText(llmtest.Answer("d", "other", [][2]string{{"no such line", "x"}}), u),
		llmtest.AnthropicText(`{"description": "d", "code": "`+strings.Repeat("y = 1\\n", 10<<20/7)+`"}`, u), // #5: 10 MB, then bad UTF-8
		llmtest.Reply{Status: 200, Body: "\xff\xfe not json"},
	)
	defer s.Close()
	args := append([]string{"run", "--db", db, "--max-experiments", "4", "--base-url", s.URL, "--task", "shakespeare"}, llmFast...)
	code, out, errOut := run(context.Background(), t, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	if len(exps) != 5 || exps[1].Metric == nil || exps[1].Category != research.CategoryOptimizer {
		t.Fatalf("recorded %+v", exps)
	}
	for _, e := range exps[2:] {
		if e.Status != research.StatusFailed || e.FailureKind != "proposal" || len(e.FailureExcerpt) > 5000 {
			t.Fatalf("experiment #%d recorded %+v", e.Seq, e)
		}
	}
	if n := len(s.Requests()); n != 11 {
		t.Fatalf("%d requests to the model, want 11", n)
	}
}

// The hybrid runs end to end against a fake Claude and the real
// optimiser: CMA-ES proposes four times, then the model once (told that
// the values are tuned for it), then CMA-ES again; the model's new
// setting is declared in the search space, where the optimiser can tune it.
func TestRunHybrid(t *testing.T) {
	testutil.Need(t, testutil.Optuna)
	db := setupData(t)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-canary-hybrid")
	edit := llmtest.Answer("clip gradients by a tunable norm", "optimizer", [][2]string{
		{"# @search-space end", "grad_clip: float = 1.0        # log 0.1 .. 10\n# @search-space end"},
		{"clip_grad_norm_(model.parameters(), 1.0)", "clip_grad_norm_(model.parameters(), grad_clip)"}})
	s := llmtest.NewAnthropic(llmtest.AnthropicText(edit, llmtest.Usage{Input: 1000, Output: 200}))
	defer s.Close()
	args := append([]string{"run", "--db", db, "--max-experiments", "6", "--proposer", "hybrid", "--base-url", s.URL, "--task", "shakespeare"}, llmFast...)
	if code, out, errOut := run(context.Background(), t, args...); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	exps := statusJSON(t, db)
	var who []string
	for _, e := range exps[1:] {
		who = append(who, e.Cost.Proposer)
	}
	if got := strings.Join(who, " "); got != "cmaes cmaes cmaes cmaes claude cmaes" {
		t.Fatalf("proposers in turn: %s", got)
	}
	if m := exps[5]; m.Metric == nil || !strings.Contains(m.Code, "grad_clip: float = 1.0") {
		t.Fatalf("the model's experiment: %+v", m)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0]), "An optimiser tunes the values in the search-space block") {
		t.Fatalf("%d requests to the model; the first says nothing of the optimiser", len(reqs))
	}
}
