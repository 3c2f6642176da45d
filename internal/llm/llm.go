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
// the SDK's retries of 429, 5xx, 529 and connection errors; Timeout bounds
// one request (0: the SDK's default).
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

// Client is a model provider. Implementations retry transient errors
// (429, 5xx, 529, connection resets) within their bounds, honouring
// retry-after, before they return an error. Errors that no retry can fix
// (a bad key, an unknown model) wrap ErrFatal.
type Client interface {
	Complete(ctx context.Context, req Request) (Response, error)
	Name() string
}

// ErrFatal marks errors no retry can fix.
var ErrFatal = errors.New("the model provider refused the request")

// IsFatalStatus reports whether an HTTP status means the request can never
// succeed as configured.
func IsFatalStatus(code int) bool {
	return code == 400 || code == 401 || code == 403 || code == 404
}
