// Package llmtest runs fake model servers that speak the real wire
// formats of the Anthropic Messages API and the OpenAI Chat Completions
// API (errors included), for tests that drive the official SDKs offline,
// and Conformance, the suite every llm.Client adapter passes.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Reply is one canned HTTP answer.
type Reply struct {
	Status int
	Header map[string]string
	Body   string
	Delay  time.Duration
	Reset  bool // drop the connection (TCP reset) instead of answering
}

// Server is a fake API server. Replies are served in order; the last one
// is repeated once the queue is down to it.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []Reply
	requests [][]byte
	path     string
	fn       func(body []byte) Reply
}

// NewAnthropicFunc serves POST /v1/messages with replies computed from
// each request's body.
func NewAnthropicFunc(fn func(body []byte) Reply) *Server {
	s := &Server{path: "/v1/messages", fn: fn}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

func newServer(path string, replies []Reply) *Server {
	s := &Server{replies: replies, path: path}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// NewAnthropic serves POST /v1/messages. Point the SDK at s.URL.
func NewAnthropic(replies ...Reply) *Server { return newServer("/v1/messages", replies) }

// NewOpenAI serves POST /v1/chat/completions. Point the SDK at s.URL+"/v1".
func NewOpenAI(replies ...Reply) *Server { return newServer("/v1/chat/completions", replies) }

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, body)
	var rep Reply
	if s.fn != nil {
		rep = s.fn(body)
	} else {
		rep = s.replies[0]
		if len(s.replies) > 1 {
			s.replies = s.replies[1:]
		}
	}
	s.mu.Unlock()
	if r.URL.Path != s.path || r.Method != http.MethodPost {
		http.Error(w, `{"error":{"type":"not_found_error","message":"no such route"}}`, http.StatusNotFound)
		return
	}
	select {
	case <-time.After(rep.Delay):
	case <-r.Context().Done():
		return
	}
	if rep.Reset {
		reset(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

// reset closes the client's connection with a TCP reset.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// Requests returns the bodies received so far.
func (s *Server) Requests() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.requests...)
}

// Usage is what a fake answer reports.
type Usage struct {
	Input, Output, CacheRead, CacheWrite int64
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// AnthropicText is a successful Messages API answer.
func AnthropicText(text string, u Usage) Reply {
	return Reply{Status: 200, Body: mustJSON(map[string]any{
		"id": "msg_fake", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
		"content":     []map[string]any{{"type": "text", "text": text}},
		"stop_reason": "end_turn", "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": u.Input, "output_tokens": u.Output,
			"cache_read_input_tokens": u.CacheRead, "cache_creation_input_tokens": u.CacheWrite},
	})}
}

// AnthropicError is an error in the Messages API's format, e.g. 429
// rate_limit_error, 529 overloaded_error, 401 authentication_error.
func AnthropicError(status int, typ, msg string, header map[string]string) Reply {
	return Reply{Status: status, Header: header, Body: mustJSON(map[string]any{
		"type": "error", "error": map[string]any{"type": typ, "message": msg}})}
}

// OpenAIText is a successful Chat Completions answer.
func OpenAIText(text string, u Usage) Reply {
	return Reply{Status: 200, Body: mustJSON(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": 1764316800, "model": "fake-model",
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop", "logprobs": nil,
			"message": map[string]any{"role": "assistant", "content": text, "refusal": nil}}},
		"usage": map[string]any{"prompt_tokens": u.Input + u.CacheRead, "completion_tokens": u.Output,
			"total_tokens": u.Input + u.CacheRead + u.Output, "prompt_tokens_details": map[string]any{"cached_tokens": u.CacheRead}},
	})}
}

// OpenAIError is an error in the Chat Completions API's format.
func OpenAIError(status int, typ, msg string, header map[string]string) Reply {
	return Reply{Status: status, Header: header, Body: mustJSON(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})}
}

// Answer is a proposal in the JSON format the prompt asks for.
func Answer(description, category string, edits [][2]string) string {
	var es []map[string]string
	for _, e := range edits {
		es = append(es, map[string]string{"search": e[0], "replace": e[1]})
	}
	return mustJSON(map[string]any{"description": description, "hypothesis": "it should help", "category": category, "edits": es})
}

// Wrapped surrounds an answer with prose and a code fence, as models do.
func Wrapped(answer string) string {
	return fmt.Sprintf("Here is my proposal.\n\n```json\n%s\n```\n\nI hope it helps!", answer)
}
