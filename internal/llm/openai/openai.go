// Package openai adapts the official openai-go SDK to llm.Client for any
// OpenAI-compatible server (OpenAI, vLLM, llama.cpp, ollama, OpenRouter):
// a configurable base URL, the SDK's retries (retry-after honoured) and
// timeouts, and cached-token counts when the server reports them.
package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/autoresearch/autoresearch/internal/llm"
)

// Client talks to the Chat Completions API.
type Client struct {
	c sdk.Client
}

var _ llm.Client = (*Client)(nil)

// New returns a client. The timeout is the HTTP client's, not the SDK's
// per-attempt one: the SDK gives up on an attempt that outlives its own
// timeout instead of retrying it, and counts the retry wait against it,
// where llm.Client's contract retries a timed-out attempt like a dropped
// connection.
func New(o llm.Options) *Client {
	opts := []option.RequestOption{option.WithAPIKey(o.APIKey), option.WithMaxRetries(o.MaxRetries)}
	if o.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(o.BaseURL))
	}
	if o.Timeout > 0 {
		opts = append(opts, option.WithHTTPClient(&http.Client{Timeout: o.Timeout}))
	}
	return &Client{c: sdk.NewClient(opts...)}
}

// Name implements llm.Client.
func (*Client) Name() string { return "openai" }

// Complete implements llm.Client. The system blocks become one system
// message (servers cache a stable prefix on their own).
func (c *Client) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	var system strings.Builder
	for _, b := range req.System {
		system.WriteString(b.Text)
	}
	msgs := []sdk.ChatCompletionMessageParamUnion{sdk.SystemMessage(system.String())}
	for _, m := range req.Messages {
		if m.Role == "assistant" {
			msgs = append(msgs, sdk.AssistantMessage(m.String()))
		} else {
			msgs = append(msgs, sdk.UserMessage(m.String()))
		}
	}
	params := sdk.ChatCompletionNewParams{Model: req.Model, Messages: msgs, MaxCompletionTokens: sdk.Int(req.MaxTokens)}
	resp, err := c.c.Chat.Completions.New(ctx, params)
	if err != nil {
		return llm.Response{}, classify(err)
	}
	if len(resp.Choices) == 0 {
		return llm.Response{}, errors.New("openai: the answer has no choices")
	}
	u := resp.Usage
	cached := u.PromptTokensDetails.CachedTokens
	return llm.Response{Text: resp.Choices[0].Message.Content, Model: resp.Model, StopReason: resp.Choices[0].FinishReason,
		Usage: llm.Usage{InputTokens: u.PromptTokens - cached, OutputTokens: u.CompletionTokens, CacheReadTokens: cached}}, nil
}

func classify(err error) error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) && llm.IsFatalStatus(apiErr.StatusCode) {
		return fmt.Errorf("%w: HTTP %d: %s", llm.ErrFatal, apiErr.StatusCode, apiErr.Message)
	}
	return fmt.Errorf("openai: %w", err)
}
