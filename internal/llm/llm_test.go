package llm

import (
	"math"
	"testing"
)

func TestPricing(t *testing.T) {
	cases := []struct {
		model string
		u     Usage
		want  float64
	}{
		{"claude-sonnet-4-6", Usage{InputTokens: 1_000_000}, 3},
		{"claude-sonnet-4-6", Usage{OutputTokens: 1_000_000}, 15},
		{"claude-sonnet-4-6-20260101", Usage{CacheWriteTokens: 1_000_000}, 3.75},
		{"claude-sonnet-4-6", Usage{CacheReadTokens: 1_000_000}, 0.3},
		{"claude-opus-4-6", Usage{InputTokens: 2000, OutputTokens: 1000}, 0.01 + 0.025},
		{"claude-haiku-4-5", Usage{InputTokens: 1_000_000, OutputTokens: 1_000_000}, 6},
	}
	for _, c := range cases {
		p, ok := Lookup(c.model)
		if !ok {
			t.Fatalf("%s not in the table", c.model)
		}
		if got := p.Cost(c.u); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("%s %+v: $%v, want $%v", c.model, c.u, got, c.want)
		}
	}
	if _, ok := Lookup("gpt-unknown"); ok {
		t.Error("an unknown model has a price")
	}
}
