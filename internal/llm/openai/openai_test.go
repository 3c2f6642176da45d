package openai

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestConformance runs the retry and fatal contract of llm.Client.
func TestConformance(t *testing.T) {
	llmtest.Conformance(t, llmtest.Harness{Wire: llmtest.OpenAIWire,
		New: func(o llm.Options) llm.Client { return New(o) }})
}

func TestRequestJoinsSystemAndParts(t *testing.T) {
	req := llm.Request{Model: "qwen2.5-coder", MaxTokens: 100,
		System: []llm.Block{{Text: "stable ", Cache: true}, {Text: "prefix"}},
		Messages: []llm.Message{llm.Text("user", "hello"), llm.Text("assistant", "bad"),
			{Role: "user", Parts: []llm.Block{{Text: "aga", Cache: true}, {Text: "in"}}}}}
	s := llmtest.NewOpenAI(llmtest.OpenAIText("answer", llmtest.Usage{Input: 100, Output: 20, CacheRead: 800}))
	defer s.Close()
	if _, err := New(llm.Options{APIKey: "k", BaseURL: s.URL + "/v1"}).Complete(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	body := string(s.Requests()[0])
	for _, want := range []string{`{"content":"stable prefix","role":"system"}`, `{"content":"again","role":"user"}`,
		`{"content":"bad","role":"assistant"}`, `"model":"qwen2.5-coder"`} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
}
