// Package anthropic adapts the official anthropic-sdk-go to llm.Client:
// the stable system prefix carries a cache_control breakpoint, retries and
// timeouts are the SDK's (retry-after honoured), and usage includes cache
// reads and writes. A retry-after beyond llm.MaxRetryAfter is not waited
// for.
package anthropic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/autoresearch/autoresearch/internal/llm"
)

// Client talks to the Messages API.
type Client struct {
	c sdk.Client
}

var _ llm.Client = (*Client)(nil)

// New returns a client. The timeout is the SDK's per attempt: a timed-out
// attempt is retried like a dropped connection.
func New(o llm.Options) *Client {
	opts := []option.RequestOption{option.WithAPIKey(o.APIKey), option.WithMaxRetries(o.MaxRetries),
		option.WithMiddleware(refuseLongWaits)}
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

// refuseLongWaits marks an answer whose retry-after exceeds
// llm.MaxRetryAfter as not to be retried, so that the SDK, which would
// wait for any retry-after, returns its error at once (as openai-go does).
func refuseLongWaits(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err == nil && retryAfter(res.Header) > llm.MaxRetryAfter.Seconds() {
		res.Header.Set("x-should-retry", "false")
	}
	return res, err
}

// retryAfter is the wait h asks for, in seconds (0 when none), from
// retry-after-ms or retry-after (seconds or an HTTP date), as the SDK reads
// them.
func retryAfter(h http.Header) float64 {
	if ms, err := strconv.ParseFloat(h.Get("retry-after-ms"), 64); err == nil {
		return ms / 1000
	}
	v := h.Get("retry-after")
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		return s
	}
	if t, err := time.Parse(time.RFC1123, v); err == nil {
		return time.Until(t).Seconds()
	}
	return 0
}

func classify(err error) error {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) && llm.IsFatalStatus(apiErr.StatusCode) {
		return fmt.Errorf("%w: HTTP %d: %s", llm.ErrFatal, apiErr.StatusCode, apiErr.Message)
	}
	return fmt.Errorf("claude: %w", err)
}
