package tune

import (
	"context"
	"sync"

	"github.com/autoresearch/autoresearch/internal/research"
)

// DefaultRounds is the optimiser's proposals per LLM proposal: with the
// LLM's, five experiments a cycle, so a model is asked a fifth as often.
const DefaultRounds = 4

// Hybrid splits the work between a language model and the optimiser:
// the model changes the script's structure (and may declare new
// search-space entries), then the optimiser tunes the declared values of
// the parent's structure for Rounds proposals, then the model again. The
// cycle starts with the optimiser: a baseline's defaults are rarely
// tuned to the budget. Explore and diversify requests go to the model (a
// new direction is structural), and so does a turn the optimiser cannot
// take (no search space, or every point taken).
type Hybrid struct {
	LLM, Tuner research.Proposer
	Rounds     int

	mu    sync.Mutex
	tuned int // the optimiser's proposals since the model's last
}

var _ research.Proposer = (*Hybrid)(nil)

// Propose implements research.Proposer.
func (h *Hybrid) Propose(ctx context.Context, req research.Request) (research.Proposal, error) {
	if h.tunerTurn(req.Mode) {
		if prop, err := h.Tuner.Propose(ctx, req); err == nil {
			return prop, nil
		} // else the model takes the turn, and a new cycle starts after it
	}
	h.mu.Lock()
	h.tuned = 0
	h.mu.Unlock()
	return h.LLM.Propose(ctx, req)
}

// tunerTurn says whether the optimiser takes this request, and counts it.
func (h *Hybrid) tunerTurn(mode research.Mode) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if mode != research.ModeImprove || h.tuned >= h.rounds() {
		return false
	}
	h.tuned++
	return true
}

func (h *Hybrid) rounds() int {
	if h.Rounds > 0 {
		return h.Rounds
	}
	return DefaultRounds
}
