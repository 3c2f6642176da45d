package anthropic

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

var req = llm.Request{Model: "claude-sonnet-4-6", MaxTokens: 100,
	System:   []llm.Block{{Text: "stable prefix", Cache: true}},
	Messages: []llm.Message{{Role: "user", Parts: []llm.Block{{Text: "parent", Cache: true}, {Text: "hello"}}}}}

func client(s *llmtest.Server, retries int, timeout time.Duration) *Client {
	return New(llm.Options{APIKey: "test-key", BaseURL: s.URL, MaxRetries: retries, Timeout: timeout})
}

func TestCompleteReadsTextAndCacheUsage(t *testing.T) {
	s := llmtest.NewAnthropic(llmtest.AnthropicText("the answer", llmtest.Usage{Input: 12, Output: 34, CacheRead: 900, CacheWrite: 56}))
	defer s.Close()
	resp, err := client(s, 0, 0).Complete(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Usage{InputTokens: 12, OutputTokens: 34, CacheReadTokens: 900, CacheWriteTokens: 56}
	if resp.Text != "the answer" || resp.Usage != want || resp.StopReason != "end_turn" {
		t.Fatalf("response %+v", resp)
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

func TestRetries(t *testing.T) {
	ok := llmtest.AnthropicText("ok", llmtest.Usage{Input: 1, Output: 1})
	cases := []struct {
		name     string
		first    llmtest.Reply
		minDelay time.Duration
	}{
		{"429 honours retry-after", llmtest.AnthropicError(429, "rate_limit_error", "slow down", map[string]string{"retry-after": "1"}), 900 * time.Millisecond},
		{"529 overloaded", llmtest.AnthropicError(529, "overloaded_error", "Overloaded", map[string]string{"retry-after-ms": "10"}), 0},
		{"500", llmtest.AnthropicError(500, "api_error", "boom", map[string]string{"retry-after-ms": "10"}), 0},
		{"429 without retry-after", llmtest.AnthropicError(429, "rate_limit_error", "slow down", nil), 0},
		{"connection reset", llmtest.Reply{Reset: true}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := llmtest.NewAnthropic(c.first, ok)
			defer s.Close()
			start := time.Now()
			resp, err := client(s, 2, 0).Complete(context.Background(), req)
			if err != nil || resp.Text != "ok" || len(s.Requests()) != 2 {
				t.Fatalf("err %v, %d requests", err, len(s.Requests()))
			}
			if el := time.Since(start); el < c.minDelay {
				t.Errorf("retried after %s, want at least %s", el, c.minDelay)
			}
		})
	}
}

func TestFatalErrorsAreNotRetried(t *testing.T) {
	s := llmtest.NewAnthropic(llmtest.AnthropicError(401, "authentication_error", "invalid x-api-key", nil))
	defer s.Close()
	_, err := client(s, 3, 0).Complete(context.Background(), req)
	if !errors.Is(err, llm.ErrFatal) || !strings.Contains(err.Error(), "invalid x-api-key") || len(s.Requests()) != 1 {
		t.Fatalf("err %v after %d requests", err, len(s.Requests()))
	}
}

func TestTimeoutIsBounded(t *testing.T) {
	s := llmtest.NewAnthropic(llmtest.Reply{Status: 200, Body: "{}", Delay: 10 * time.Second})
	defer s.Close()
	start := time.Now()
	_, err := client(s, 1, 200*time.Millisecond).Complete(context.Background(), req)
	if err == nil || errors.Is(err, llm.ErrFatal) {
		t.Fatalf("err = %v, want a retryable timeout", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("took %s", el)
	}
}
