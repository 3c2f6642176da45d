package research

import (
	"math/rand/v2"
	"sort"
)

// Strategy picks the parent and the mode of the next experiment. The
// defaults follow the original design: the top 3 kept experiments are the
// candidates, parents are drawn from them with weights 70/20/10, every 5th
// experiment is an exploration (a radical departure from the best), and
// after every 5 experiments in a row that were not kept comes a
// diversification (improving a candidate other than the best).
type Strategy struct {
	TopK           int
	Weights        []float64
	ExploreEvery   int
	DiversifyAfter int
	Rand           *rand.Rand
}

// DefaultStrategy returns the original constants with rng as the source.
func DefaultStrategy(rng *rand.Rand) Strategy {
	return Strategy{TopK: 3, Weights: []float64{0.7, 0.2, 0.1}, ExploreEvery: 5, DiversifyAfter: 5, Rand: rng}
}

// History is what the strategy reads from the store.
type History struct {
	Candidates []Experiment // kept experiments, best first, at most TopK
	Number     int          // the next experiment's number among proposed ones, from 1
	Streak     int          // experiments since the last keep
}

// Candidates returns the top k kept experiments of list, best first
// (Direction.Ahead).
func Candidates(list []Experiment, d Direction, k int) []Experiment {
	var kept []Experiment
	for _, e := range list {
		if e.Status == StatusKept && e.Outcome.Mean != nil {
			kept = append(kept, e)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return d.Ahead(&kept[i], &kept[j]) })
	if len(kept) > k {
		kept = kept[:k]
	}
	return kept
}

// Streak counts the finished experiments after the last kept one.
func Streak(list []Experiment) int {
	n := 0
	for i := len(list) - 1; i >= 0; i-- {
		switch list[i].Status {
		case StatusKept:
			return n
		case StatusDiscarded, StatusFailed:
			n++
		}
	}
	return n
}

// Next returns the parent (an index into h.Candidates) and the mode.
func (s Strategy) Next(h History) (int, Mode) {
	switch {
	case len(h.Candidates) == 0:
		return -1, ModeImprove
	case s.DiversifyAfter > 0 && h.Streak > 0 && h.Streak%s.DiversifyAfter == 0 && len(h.Candidates) > 1:
		return 1 + s.Rand.IntN(len(h.Candidates)-1), ModeDiversify
	case s.ExploreEvery > 0 && h.Number%s.ExploreEvery == 0:
		return 0, ModeExplore
	}
	return s.sample(len(h.Candidates)), ModeImprove
}

// sample draws an index below n with the strategy's weights (renormalised
// over the first n).
func (s Strategy) sample(n int) int {
	w := s.Weights
	if len(w) > n {
		w = w[:n]
	}
	var total float64
	for _, x := range w {
		total += x
	}
	r := s.Rand.Float64() * total
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}
