package research

import (
	"math/rand/v2"
	"testing"
)

func kept(means ...float64) []Experiment {
	var out []Experiment
	for i, m := range means {
		out = append(out, Experiment{ID: int64(i + 1), Status: StatusKept, Outcome: Outcome{Mean: &m}})
	}
	return out
}

func TestStrategyNext(t *testing.T) {
	s := DefaultStrategy(rand.New(rand.NewPCG(3, 4)))
	three := kept(1, 2, 3)
	cases := []struct {
		name  string
		h     History
		mode  Mode
		index func(int) bool
	}{
		{"every 5th explores from the best", History{Candidates: three, Number: 10}, ModeExplore, func(i int) bool { return i == 0 }},
		{"5 misses diversify off the best", History{Candidates: three, Number: 7, Streak: 5}, ModeDiversify, func(i int) bool { return i >= 1 }},
		{"diversify wins over explore", History{Candidates: three, Number: 5, Streak: 10}, ModeDiversify, func(i int) bool { return i >= 1 }},
		{"one candidate cannot diversify", History{Candidates: kept(1), Number: 3, Streak: 5}, ModeImprove, func(i int) bool { return i == 0 }},
		{"otherwise improve", History{Candidates: three, Number: 3, Streak: 2}, ModeImprove, func(i int) bool { return i >= 0 && i < 3 }},
	}
	for _, c := range cases {
		i, mode := s.Next(c.h)
		if mode != c.mode || !c.index(i) {
			t.Errorf("%s: got parent %d mode %s", c.name, i, mode)
		}
	}
}

func TestStrategySamplesParents70_20_10(t *testing.T) {
	s := DefaultStrategy(rand.New(rand.NewPCG(5, 6)))
	counts := make([]int, 3)
	const n = 20000
	for range n {
		i, _ := s.Next(History{Candidates: kept(1, 2, 3), Number: 1})
		counts[i]++
	}
	for i, want := range []float64{0.7, 0.2, 0.1} {
		if got := float64(counts[i]) / n; got < want-0.02 || got > want+0.02 {
			t.Errorf("parent %d drawn %.3f of the time, want %.2f", i, got, want)
		}
	}
}

func TestCandidatesAndStreak(t *testing.T) {
	m := func(v float64) *float64 { return &v }
	list := []Experiment{
		{ID: 1, Status: StatusKept, Outcome: Outcome{Mean: m(3)}},
		{ID: 2, Status: StatusKept, Outcome: Outcome{Mean: m(2)}},
		{ID: 3, Status: StatusDiscarded, Outcome: Outcome{Mean: m(1)}},
		{ID: 4, Status: StatusKept, Outcome: Outcome{Mean: m(2.5)}},
		{ID: 5, Status: StatusKept, Outcome: Outcome{Mean: m(1.5)}},
		{ID: 6, Status: StatusFailed},
		{ID: 7, Status: StatusInterrupted},
		{ID: 8, Status: StatusDiscarded},
	}
	c := Candidates(list, Minimize, 3)
	if len(c) != 3 || c[0].ID != 5 || c[1].ID != 2 || c[2].ID != 4 {
		t.Fatalf("candidates %v", []int64{c[0].ID, c[1].ID, c[2].ID})
	}
	if got := Streak(list); got != 2 {
		t.Fatalf("streak %d, want 2 (interrupted does not count)", got)
	}
}
