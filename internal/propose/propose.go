// Package propose is the LLM proposer: it renders the prompt templates
// (a cacheable system part and a bounded per-experiment part), asks a
// model through the provider-neutral llm.Client, parses its JSON answer
// (full script or SEARCH/REPLACE edits), gives one repair round-trip when
// the answer does not parse or apply, and accounts tokens and dollars.
package propose

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autoresearch/autoresearch/internal/llm"
	"github.com/autoresearch/autoresearch/internal/research"
)

// Proposer asks a model for the next script.
type Proposer struct {
	Client    llm.Client
	Model     string
	Price     llm.Price
	Task      TaskInfo
	MaxTokens int64
}

var _ research.Proposer = (*Proposer)(nil)

// DefaultMaxTokens bounds one answer: enough for a full rewrite.
const DefaultMaxTokens = 16000

// Propose implements research.Proposer.
func (p *Proposer) Propose(ctx context.Context, req research.Request) (research.Proposal, error) {
	start := time.Now()
	conv := llm.Request{Model: p.Model, MaxTokens: p.maxTokens(),
		System: []llm.Block{{Text: p.Task.System(), Cache: true}},
		Messages: []llm.Message{{Role: "user", Parts: []llm.Block{
			{Text: p.Task.Parent(req), Cache: true}, // repeats whenever the parent does (70% of draws: the best)
			{Text: p.Task.History(req)},
		}}}}
	var usage llm.Usage
	cost := func() research.Cost { return p.cost(usage, start) }
	for round := 0; ; round++ {
		resp, err := p.Client.Complete(ctx, conv)
		usage = usage.Add(resp.Usage)
		if err != nil {
			if errors.Is(err, llm.ErrFatal) {
				err = fmt.Errorf("%w: %w", research.ErrFatal, err)
			}
			return research.Proposal{}, &research.ProposalError{Err: err, Cost: cost()}
		}
		prop, perr := parseAnswer(resp.Text, req.Parent.Code)
		if perr == nil {
			prop.Cost = cost()
			return prop, nil
		}
		if round == 1 {
			return research.Proposal{}, &research.ProposalError{Err: fmt.Errorf("after one repair: %w", perr), Cost: cost()}
		}
		conv.Messages = append(conv.Messages, llm.Text("assistant", resp.Text), llm.Text("user", repairPrompt(perr)))
	}
}

func parseAnswer(text, parent string) (research.Proposal, error) {
	a, err := extract(text)
	if err != nil {
		return research.Proposal{}, err
	}
	return a.proposal(parent)
}

func repairPrompt(err error) string {
	return "Your answer could not be used: " + err.Error() + ".\nAnswer again with one JSON object only, " +
		`with "edits" whose "search" texts appear exactly once in the current script, or with "code" holding the complete script.`
}

func (p *Proposer) maxTokens() int64 {
	if p.MaxTokens > 0 {
		return p.MaxTokens
	}
	return DefaultMaxTokens
}

func (p *Proposer) cost(u llm.Usage, start time.Time) research.Cost {
	return research.Cost{Proposer: p.Client.Name(), Model: p.Model, InputTokens: u.InputTokens, OutputTokens: u.OutputTokens,
		CacheReadTokens: u.CacheReadTokens, CacheWriteTokens: u.CacheWriteTokens, USD: p.Price.Cost(u),
		ProposeSeconds: time.Since(start).Seconds()}
}
