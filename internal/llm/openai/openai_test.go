package openai

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/llm/llmtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var req = llm.Request{Model: "qwen2.5-coder", MaxTokens: 100,
	System:   []llm.Block{{Text: "stable ", Cache: true}, {Text: "prefix"}},
	Messages: []llm.Message{llm.Text("user", "hello"), llm.Text("assistant", "bad"), {Role: "user", Parts: []llm.Block{{Text: "aga", Cache: true}, {Text: "in"}}}}}

func client(s *llmtest.Server, retries int) *Client {
	return New(llm.Options{APIKey: "k", BaseURL: s.URL + "/v1", MaxRetries: retries, Timeout: 5 * time.Second})
}

func TestCompleteReadsCachedTokens(t *testing.T) {
	s := llmtest.NewOpenAI(llmtest.OpenAIText("answer", llmtest.Usage{Input: 100, Output: 20, CacheRead: 800}))
	defer s.Close()
	resp, err := client(s, 0).Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text != "answer" || resp.Usage != (llm.Usage{InputTokens: 100, OutputTokens: 20, CacheReadTokens: 800}) {
		t.Fatalf("response %+v", resp)
	}
	body := string(s.Requests()[0])
	for _, want := range []string{`{"content":"stable prefix","role":"system"}`, `"role":"assistant"`, `"model":"qwen2.5-coder"`} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %s:\n%s", want, body)
		}
	}
}

func TestRetryAndFatal(t *testing.T) {
	s := llmtest.NewOpenAI(llmtest.OpenAIError(429, "rate_limit_exceeded", "slow", map[string]string{"retry-after-ms": "10"}),
		llmtest.OpenAIText("ok", llmtest.Usage{Input: 1, Output: 1}))
	defer s.Close()
	if resp, err := client(s, 2).Complete(context.Background(), req); err != nil || resp.Text != "ok" {
		t.Fatalf("after a 429: %v", err)
	}
	bad := llmtest.NewOpenAI(llmtest.OpenAIError(404, "invalid_request_error", "The model does not exist", nil))
	defer bad.Close()
	_, err := client(bad, 3).Complete(context.Background(), req)
	if !errors.Is(err, llm.ErrFatal) || len(bad.Requests()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(bad.Requests()))
	}
}
