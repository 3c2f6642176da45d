// Package report writes the self-contained HTML report of a task: metric
// progression with the best-so-far line, the top experiments with diffs
// between consecutive ones, failures by kind, kept/discarded per
// category, cumulative cost, insights per category, the best
// experiment's held-out test metric and per-seed spread, and what the
// model-based optimisers know of its search space (importance, slices). The file embeds
// its chart library and data and makes no network request. Untrusted text
// (code, descriptions, excerpts) is escaped by html/template, and the
// embedded JSON escapes <, > and &.
package report

import (
	"sort"
	"strconv"

	"github.com/aymanbagabas/go-udiff"

	"github.com/autoresearch/autoresearch/internal/research"
)

// TopN is how many of the best experiments the report shows.
const TopN = 5

// Input is what a report is made of.
type Input struct {
	Task string
	research.Goal
	// Experiments are in order; code is not needed, seed runs only of
	// kept experiments and baselines (what improvement intervals weigh).
	Experiments []research.Experiment
	Noise       research.Noise // the task's noise floor
	// Top are research.Candidates(Experiments, Direction, TopN) with code
	// and seed runs; when nil they are taken from Experiments as they are.
	Top []research.Experiment
	// Landscape is what the model-based optimisers know of the best's
	// search space (nil: nothing kept yet).
	Landscape *research.Landscape
}

// chartData holds the charts' series as columns (compact at 100,000
// experiments), values rounded to 6 significant digits.
type chartData struct {
	Progress [3][]*float64 `json:"progress"` // seq, metric, best so far (null before anything is kept)
	Cost     [2][]float64  `json:"cost"`     // seq, cumulative dollars
	Metric   string        `json:"metric"`
	// Landscape is drawn by render.LandscapeJS.
	Landscape *research.Landscape `json:"landscape"`
}

// count is one bar of a breakdown.
type count struct {
	Name    string
	N       int
	Percent float64
}

type categoryRow struct {
	Name                    string
	Kept, Discarded, Failed int
	Clear                   int     // kept ones whose improvement over the best they were judged against is clear of zero
	Gain, MeanGain          float64 // total and mean improvement of the clear ones against their parents
}

type topRow struct {
	E           research.Experiment
	Diff        string             // against the previous row
	Improvement *research.Interval // over the best it was judged against
}

type model struct {
	In         Input
	Total      int
	Kept       int
	Failed     int
	Unsealed   int // experiments whose metric was obtained without full isolation
	SpentUSD   float64
	NotTrained float64 // the share of the seeds' time not spent training (research.NotTraining)
	Best       *research.Experiment
	Baseline   *research.Experiment
	Top        []topRow
	Failures   []count
	Categories []categoryRow
	Insights   []string
	Chart      chartData
}

func build(in Input) model {
	m := model{In: in, Total: len(in.Experiments), NotTrained: research.NotTraining(in.Experiments)}
	byID := map[int64]*research.Experiment{}
	for i := range in.Experiments {
		e := &in.Experiments[i]
		byID[e.ID] = e
		m.SpentUSD += e.Cost.USD
		if e.Unsealed() {
			m.Unsealed++
		}
		switch e.Status {
		case research.StatusKept:
			m.Kept++
		case research.StatusFailed:
			m.Failed++
		}
		if e.Mode == research.ModeBaseline && m.Baseline == nil && e.Outcome.Mean != nil {
			m.Baseline = e
		}
	}
	m.Chart = chart(in)
	top := in.Top
	if top == nil {
		top = research.Candidates(in.Experiments, in.Direction, TopN)
	}
	if len(top) > 0 {
		m.Best = &top[0]
	}
	improved := improvements(in, byID)
	m.Top = topRows(top, improved)
	m.Failures = failures(in.Experiments)
	m.Categories = categories(in.Experiments, byID, improved, in.Direction)
	m.Insights = insights(m.Categories, in.Metric)
	return m
}

func chart(in Input) chartData {
	c := chartData{Metric: in.Metric, Landscape: in.Landscape}
	var best *float64
	cost := 0.0
	for _, e := range in.Experiments {
		cost += e.Cost.USD
		c.Cost[0] = append(c.Cost[0], float64(e.Seq))
		c.Cost[1] = append(c.Cost[1], round6(cost))
		if e.Outcome.Mean == nil {
			continue
		}
		seq, v := float64(e.Seq), round6(*e.Outcome.Mean)
		best = in.Direction.BestSoFar(best, research.Point{Seq: e.Seq, Status: e.Status, Mean: &v})
		c.Progress[0] = append(c.Progress[0], &seq)
		c.Progress[1] = append(c.Progress[1], &v)
		c.Progress[2] = append(c.Progress[2], best)
	}
	return c
}

func round6(v float64) float64 {
	f, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil {
		return v
	}
	return f
}

// topRows orders the top experiments by number and diffs each against the
// one before it.
func topRows(top []research.Experiment, improved map[int64]research.Interval) []topRow {
	sorted := append([]research.Experiment(nil), top...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Seq < sorted[j].Seq })
	rows := make([]topRow, len(sorted))
	for i, e := range sorted {
		rows[i].E = e
		if iv, ok := improved[e.ID]; ok {
			rows[i].Improvement = &iv
		}
		if i > 0 {
			rows[i].Diff = udiff.Unified(label(sorted[i-1]), label(e), sorted[i-1].Code, e.Code)
		}
	}
	return rows
}

// improvements are the improvement intervals of the kept experiments
// over the best each was judged against, by ID (research.Improvement).
func improvements(in Input, byID map[int64]*research.Experiment) map[int64]research.Interval {
	out := map[int64]research.Interval{}
	for _, e := range in.Experiments {
		if e.Status != research.StatusKept || e.AgainstID == nil || byID[*e.AgainstID] == nil {
			continue
		}
		best := byID[*e.AgainstID].Outcome.Metrics()
		if iv, ok := research.Improvement(in.Direction, e.Outcome.Metrics(), best, in.Noise); ok {
			out[e.ID] = iv
		}
	}
	return out
}

func label(e research.Experiment) string { return "#" + itoa(e.Seq) }

func failures(list []research.Experiment) []count {
	n := map[string]int{}
	total := 0
	for _, e := range list {
		if e.Status == research.StatusFailed || e.Status == research.StatusInterrupted {
			n[string(e.Outcome.Failure)]++
			total++
		}
	}
	var out []count
	for k, v := range n {
		out = append(out, count{Name: k, N: v, Percent: 100 * float64(v) / float64(total)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N > out[j].N || (out[i].N == out[j].N && out[i].Name < out[j].Name) })
	return out
}
