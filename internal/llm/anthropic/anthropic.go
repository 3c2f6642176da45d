// Package anthropic adapts the official anthropic-sdk-go to llm.Client:
// the stable system prefix carries a cache_control breakpoint, retries and
// timeouts are the SDK's (retry-after honoured), and usage includes cache
// reads and writes.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/autoresearch/autoresearch/internal/llm"
)

// Client talks to the Messages API.
type Client struct {
	c sdk.Client
}

// New returns a client.
func New(o llm.Options) *Client {
	opts := []option.RequestOption{option.WithAPIKey(o.APIKey), option.WithMaxRetries(o.MaxRetries)}
	if o.BaseURL != "" {
		opts = append(opts, option.WithBaseURL(o.BaseURL))
	}
	if o.Timeout > 0 {
		opts = append(opts, option.WithRequestTimeout(o.Timeout))
	}
	return &Client{c: sdk.NewClient(opts...)}
}

// Name implements llm.Client.
func (*Client) Name() string { return "claude" }

// Complete implements llm.Client.
func (c *Client) Complete(ctx context.Context, req llm.Request) (llm.Response, error) {
	params := sdk.MessageNewParams{Model: sdk.Model(req.Model), MaxTokens: req.MaxTokens}
	for _, b := range req.System {
		block := sdk.TextBlockParam{Text: b.Text}
		if b.Cache {
			block.CacheControl = sdk.NewCacheControlEphemeralParam()
		}
		params.System = append(params.System, block)
	}
	for _, m := range req.Messages {
		var blocks []sdk.ContentBlockParamUnion
		for _, p := range m.Parts {
			tb := sdk.TextBlockParam{Text: p.Text}
			if p.Cache {
				tb.CacheControl = sdk.NewCacheControlEphemeralParam()
			}
			blocks = append(blocks, sdk.ContentBlockParamUnion{OfText: &tb})
		}
		if m.Role == "assistant" {
			params.Messages = append(params.Messages, sdk.NewAssistantMessage(blocks...))
		} else {
			params.Messages = append(params.Messages, sdk.NewUserMessage(blocks...))
		}
	}
	msg, err := c.c.Messages.New(ctx, params)
	if err != nil {
		return llm.Response{}, classify(err)
	}
	var text strings.Builder
	for _, block := range msg.Content {
		if block.Type == "text" {
			text.WriteString(block.Text)
		}
	}
	u := msg.Usage
	return llm.Response{Text: text.String(), Model: string(msg.Model), StopReason: string(msg.StopReason),
		Usage: llm.Usage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens,
			CacheReadTokens: u.CacheReadInputTokens, CacheWriteTokens: u.CacheCreationInputTokens}}, nil
}

func classify(err error) error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) && llm.IsFatalStatus(apiErr.StatusCode) {
		return fmt.Errorf("%w: HTTP %d: %s", llm.ErrFatal, apiErr.StatusCode, apiErr.Message)
	}
	return fmt.Errorf("claude: %w", err)
}
