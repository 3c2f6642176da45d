package tune

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
)

// named proposes its own name, or fails when told to.
type named struct {
	name string
	fail bool
}

func (n *named) Propose(context.Context, research.Request) (research.Proposal, error) {
	if n.fail {
		return research.Proposal{}, errors.New(n.name + " cannot")
	}
	return research.Proposal{Description: n.name}, nil
}

// sequence is who answered each of modes, one letter each (L: the model,
// T: the optimiser).
func sequence(t *testing.T, h *Hybrid, modes ...research.Mode) string {
	t.Helper()
	var b strings.Builder
	for _, m := range modes {
		p, err := h.Propose(context.Background(), research.Request{Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(p.Description)
	}
	return b.String()
}

func repeat(m research.Mode, n int) []research.Mode {
	out := make([]research.Mode, n)
	for i := range out {
		out[i] = m
	}
	return out
}

func TestHybridCycle(t *testing.T) {
	improve, explore := research.ModeImprove, research.ModeExplore
	cases := map[string]struct {
		rounds int
		modes  []research.Mode
		want   string
	}{
		"optimiser first, then the model": {3, repeat(improve, 9), "TTTLTTTLT"},
		"default rounds":                  {0, repeat(improve, 6), "TTTTLT"},
		"explore goes to the model":       {3, []research.Mode{improve, explore, improve, improve, improve}, "TLTTT"},
		"diversify goes to the model":     {2, []research.Mode{research.ModeDiversify, improve, improve, improve}, "LTTL"},
		"one round: strict alternation":   {1, repeat(improve, 4), "TLTL"},
	}
	for name, c := range cases {
		h := &Hybrid{LLM: &named{name: "L"}, Tuner: &named{name: "T"}, Rounds: c.rounds}
		if got := sequence(t, h, c.modes...); got != c.want {
			t.Errorf("%s: %s, want %s", name, got, c.want)
		}
	}
}

// An optimiser that cannot propose hands every turn to the model; a
// model that fails fails the proposal.
func TestHybridFallsBackToTheModel(t *testing.T) {
	h := &Hybrid{LLM: &named{name: "L"}, Tuner: &named{name: "T", fail: true}, Rounds: 2}
	if got := sequence(t, h, repeat(research.ModeImprove, 3)...); got != "LLL" {
		t.Fatalf("got %s", got)
	}
	h = &Hybrid{LLM: &named{name: "L", fail: true}, Tuner: &named{name: "T"}, Rounds: 1}
	sequence(t, h, research.ModeImprove)
	if _, err := h.Propose(context.Background(), research.Request{Mode: research.ModeImprove}); err == nil || !strings.Contains(err.Error(), "L cannot") {
		t.Fatalf("the model's failure: %v", err)
	}
}
