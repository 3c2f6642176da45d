// Package llm is the small, provider-neutral model interface the LLM
// proposers use: a request with a cacheable stable prefix, a text answer
// with token usage, a pricing table, and the error kinds callers act on.
// One adapter per official SDK lives in a sub-package.
package llm

import (
	"context"
	"errors"
	"strings"
	"time"
)

// Block is one piece of the system prompt. Cache marks the end of the
// stable prefix that a provider may cache between requests.
type Block struct {
	Text  string
	Cache bool
}

// Message is one turn of the conversation, in parts. A part with Cache
// set ends a prefix (system and earlier parts included) that a provider
// may cache; providers allow a few such breakpoints per request.
type Message struct {
	Role  string // "user" or "assistant"
	Parts []Block
}

// Text returns a message of one part.
func Text(role, text string) Message { return Message{Role: role, Parts: []Block{{Text: text}}} }

// String joins the message's parts.
func (m Message) String() string {
	var b strings.Builder
	for _, p := range m.Parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Request asks a model for one answer.
type Request struct {
	Model     string
	System    []Block
	Messages  []Message
	MaxTokens int64
}

// Usage counts tokens as the provider reported them. InputTokens excludes
// the cached ones (read or written).
type Usage struct {
	InputTokens      int64
	OutputTokens     int64
	CacheReadTokens  int64
	CacheWriteTokens int64
}

// Add sums two usages.
func (u Usage) Add(v Usage) Usage {
	return Usage{u.InputTokens + v.InputTokens, u.OutputTokens + v.OutputTokens,
		u.CacheReadTokens + v.CacheReadTokens, u.CacheWriteTokens + v.CacheWriteTokens}
}

// Options configure an adapter. An empty BaseURL keeps the SDK's default
// (which reads ANTHROPIC_BASE_URL or OPENAI_BASE_URL); MaxRetries bounds
// the retries after the first attempt (see Client); Timeout bounds each
// attempt (0: the SDK's default, which differs by provider).
type Options struct {
	APIKey     string
	BaseURL    string
	MaxRetries int
	Timeout    time.Duration
}

// Response is a model's answer.
type Response struct {
	Text       string
	Model      string
	StopReason string
	Usage      Usage
}

// Client is a model provider. Every implementation keeps one contract,
// which llmtest.Conformance checks against each adapter:
//
//   - Transient failures are retried, at most Options.MaxRetries times
//     after the first attempt: 429 and 5xx answers (529 included; 408
//     and 409 too, as the SDKs do), connection errors such as a reset, and
//     an attempt that outlives Options.Timeout.
//   - Before a retry it waits for the answer's retry-after-ms or
//     retry-after when there is one, else for a backoff that starts near
//     half a second and doubles, up to 8 seconds. A retry-after beyond
//     MaxRetryAfter is not waited for: that answer's error is returned at
//     once.
//   - When the retries run out, the last failure is returned and does not
//     wrap ErrFatal: the caller records one failed proposal and goes on.
//     If the last attempt timed out, the error wraps
//     context.DeadlineExceeded.
//   - 400, 401, 403 and 404 (a malformed request, a bad key, no
//     permission, an unknown model; see IsFatalStatus) are not retried and
//     wrap ErrFatal, with the status and the provider's message.
//   - Any other 4xx (413 too large, 422) and an answer that cannot be
//     decoded are returned at once, not fatal.
//   - When ctx ends, Complete returns promptly, while waiting on the server
//     or before a retry, with an error wrapping ctx.Err().
type Client interface {
	Complete(ctx context.Context, req Request) (Response, error)
	Name() string
}

// MaxRetryAfter is the longest retry-after a Client waits for.
const MaxRetryAfter = 2 * time.Minute

// ErrFatal marks errors no retry can fix.
var ErrFatal = errors.New("the model provider refused the request")

// IsFatalStatus reports whether an HTTP status means the request can never
// succeed as configured (402: the account is out of credit, as OpenRouter
// and others answer; going on would fail every proposal).
func IsFatalStatus(code int) bool {
	return code == 400 || code == 401 || code == 402 || code == 403 || code == 404
}
