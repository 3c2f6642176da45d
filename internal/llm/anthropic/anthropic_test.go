package anthropic

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestConformance runs the retry and fatal contract of llm.Client.
func TestConformance(t *testing.T) {
	llmtest.Conformance(t, llmtest.Harness{Wire: llmtest.AnthropicWire,
		New: func(o llm.Options) llm.Client { return New(o) }})
}

func TestCacheBreakpoints(t *testing.T) {
	req := llm.Request{Model: "claude-sonnet-4-6", MaxTokens: 100,
		System:   []llm.Block{{Text: "stable prefix", Cache: true}},
		Messages: []llm.Message{{Role: "user", Parts: []llm.Block{{Text: "parent", Cache: true}, {Text: "hello"}}}}}
	s := llmtest.NewAnthropic(llmtest.AnthropicText("the answer", llmtest.Usage{Input: 12, Output: 34}))
	defer s.Close()
	if _, err := New(llm.Options{APIKey: "test-key", BaseURL: s.URL}).Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	body := string(s.Requests()[0])
	if n := strings.Count(body, `"cache_control":{"type":"ephemeral"}`); n != 2 {
		t.Errorf("%d cache breakpoints, want 2 (system and the first user part):\n%s", n, body)
	}
	for _, want := range []string{`"model":"claude-sonnet-4-6"`, `"text":"stable prefix"`, `"text":"hello"`} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
}

func TestRetryAfterReadsAllForms(t *testing.T) {
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	cases := []struct {
		header map[string]string
		min    float64
		max    float64
	}{
		{nil, 0, 0},
		{map[string]string{"retry-after-ms": "1500", "retry-after": "999"}, 1.5, 1.5},
		{map[string]string{"retry-after": "30"}, 30, 30},
		{map[string]string{"retry-after": date}, 3500, 3600},
		{map[string]string{"retry-after": "soon"}, 0, 0},
	}
	for _, c := range cases {
		h := http.Header{}
		for k, v := range c.header {
			h.Set(k, v)
		}
		if got := retryAfter(h); got < c.min || got > c.max {
			t.Errorf("%v: %vs, want %v to %v", c.header, got, c.min, c.max)
		}
	}
}
