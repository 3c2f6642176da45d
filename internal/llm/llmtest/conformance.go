package llmtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
)

// Wire is one provider's API as the fake servers speak it: how to start
// a server, where to point an adapter at it, and its answers.
type Wire struct {
	// Serve starts a fake server answering with replies in order.
	Serve func(replies ...Reply) *Server
	// BaseURL is the base URL an adapter is given to reach s.
	BaseURL func(s *Server) string
	// Text is a successful answer.
	Text func(text string, u Usage) Reply
	// Error is an error answer in the provider's format, its type chosen
	// from the status.
	Error func(status int, msg string, header map[string]string) Reply
	// Overloaded is the status the provider answers when overloaded.
	Overloaded int
	// CacheWrites is whether the provider reports cache writes.
	CacheWrites bool
}

// AnthropicWire is the Messages API: 529 when overloaded, cache writes
// reported.
var AnthropicWire = Wire{
	Serve:   func(replies ...Reply) *Server { return NewAnthropic(replies...) },
	BaseURL: func(s *Server) string { return s.URL },
	Text:    AnthropicText,
	Error: func(status int, msg string, header map[string]string) Reply {
		return AnthropicError(status, anthropicErrorType(status), msg, header)
	},
	Overloaded:  529,
	CacheWrites: true,
}

func anthropicErrorType(status int) string {
	types := map[int]string{400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
		404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error", 529: "overloaded_error"}
	if t, ok := types[status]; ok {
		return t
	}
	return "api_error"
}

// OpenAIWire is the Chat Completions API: 503 when overloaded (it has no
// status of its own for that), cache writes not reported.
var OpenAIWire = Wire{
	Serve:   func(replies ...Reply) *Server { return NewOpenAI(replies...) },
	BaseURL: func(s *Server) string { return s.URL + "/v1" },
	Text:    OpenAIText,
	Error: func(status int, msg string, header map[string]string) Reply {
		typ := "invalid_request_error"
		switch {
		case status == 429:
			typ = "requests"
		case status >= 500:
			typ = "server_error"
		}
		return OpenAIError(status, typ, msg, header)
	},
	Overloaded: 503,
}

// Harness is what the conformance suite needs of one llm.Client adapter:
// its wire format and a constructor.
type Harness struct {
	Wire
	// New returns the adapter for o, whose BaseURL points at a fake
	// server and whose MaxRetries and Timeout the suite chooses.
	New func(o llm.Options) llm.Client
}

// conformanceRequest is what every case asks.
var conformanceRequest = llm.Request{Model: "test-model", MaxTokens: 100,
	System:   []llm.Block{{Text: "stable prefix", Cache: true}},
	Messages: []llm.Message{{Role: "user", Parts: []llm.Block{{Text: "parent", Cache: true}, {Text: "hello"}}}}}

// Settings most cases use: retries that a test can afford, and a timeout
// no healthy fake answer comes near.
const (
	retries = 2
	timeout = 3 * time.Second
)

// outcome is what one Complete call did.
type outcome struct {
	resp     llm.Response
	err      error
	requests int // as the fake server saw them
	elapsed  time.Duration
}

// call starts a server with replies, points a fresh adapter at it with o
// and asks it once under ctx.
func (h Harness) call(ctx context.Context, o llm.Options, replies ...Reply) outcome {
	s := h.Serve(replies...)
	defer s.Close()
	o.APIKey, o.BaseURL = "test-key", h.BaseURL(s)
	start := time.Now()
	resp, err := h.New(o).Complete(ctx, conformanceRequest)
	return outcome{resp: resp, err: err, requests: len(s.Requests()), elapsed: time.Since(start)}
}

// answer calls with the usual settings, under a deadline that only an
// adapter breaking the contract reaches.
func (h Harness) answer(replies ...Reply) outcome {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.call(ctx, llm.Options{MaxRetries: retries, Timeout: timeout}, replies...)
}

// Conformance checks that an llm.Client adapter keeps the contract stated
// on llm.Client, case by case, against the fake server of its provider.
// Each adapter's tests run it once, in the manner of restic's backend
// test suite.
func Conformance(t *testing.T, h Harness) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"answer and usage", testAnswer},
		{"429 with retry-after is retried after the wait", testRetryAfter},
		{"429 with a retry-after beyond the limit is returned at once", testLongRetryAfter},
		{"429 without retry-after is retried after a backoff", testRateLimitBackoff},
		{"500 is retried", testStatusRetried(500)},
		{"overloaded is retried", testOverloaded},
		{"connection reset is retried", testReset},
		{"retries exhausted: not fatal", testExhausted},
		{"401 is fatal, not retried", testFatal(401)},
		{"402 out of credit is fatal, not retried", testFatal(402)},
		{"403 is fatal, not retried", testFatal(403)},
		{"404 unknown model is fatal, not retried", testFatal(404)},
		{"400 bad request is fatal, not retried", testFatal(400)},
		{"413 too large is neither retried nor fatal", testNotRetried(413)},
		{"a malformed answer is neither retried nor fatal", testMalformed},
		{"a hanging server times out, retried, within the bound", testTimeout},
		{"ctx cancelled mid-request returns at once", testCancelRequest},
		{"ctx cancelled during a retry wait returns at once", testCancelWait},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, h)
		})
	}
}

// ok is the answer that ends a retried case.
func (h Harness) ok() Reply { return h.Text("ok", Usage{Input: 1, Output: 1}) }

// wantOK fails t unless o is the "ok" answer after n requests.
func wantOK(t *testing.T, o outcome, n int) {
	t.Helper()
	if o.err != nil || o.resp.Text != "ok" || o.requests != n {
		t.Fatalf("got %q, err %v after %d requests; want \"ok\" after %d", o.resp.Text, o.err, o.requests, n)
	}
}

// wantErr fails t unless o failed after n requests, wrapping llm.ErrFatal
// exactly when fatal is set, its message naming the status.
func wantErr(t *testing.T, o outcome, n int, fatal bool, status string) {
	t.Helper()
	if o.err == nil || o.requests != n {
		t.Fatalf("err %v after %d requests; want an error after %d", o.err, o.requests, n)
	}
	if errors.Is(o.err, llm.ErrFatal) != fatal {
		t.Errorf("err %v: wraps llm.ErrFatal = %t, want %t", o.err, !fatal, fatal)
	}
	if !strings.Contains(o.err.Error(), status) {
		t.Errorf("err %v does not name %s", o.err, status)
	}
}

// within fails t if o took d or longer.
func within(t *testing.T, o outcome, d time.Duration) {
	t.Helper()
	if o.elapsed >= d {
		t.Errorf("took %s, want under %s", o.elapsed, d)
	}
}
