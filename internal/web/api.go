package web

import (
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

type stats struct {
	Experiments int      `json:"experiments"`
	Kept        int      `json:"kept"`
	Failed      int      `json:"failed"`
	Best        *float64 `json:"best"`
	Baseline    *float64 `json:"baseline"`
	Delta       *float64 `json:"delta"`
	SpentUSD    float64  `json:"spent_usd"`
	PerHour     float64  `json:"per_hour"`
}

type row struct {
	Seq         int64    `json:"seq"`
	Parent      *int64   `json:"parent"`
	Status      string   `json:"status"`
	Failure     string   `json:"failure"`
	Mean        *float64 `json:"mean"`
	Std         *float64 `json:"std"`
	Category    string   `json:"category"`
	Mode        string   `json:"mode"`
	Description string   `json:"description"`
	CostUSD     float64  `json:"cost_usd"`
	DurationS   float64  `json:"duration_s"`
}

type summary struct {
	Task      string `json:"task"`
	Metric    string `json:"metric"`
	Direction string `json:"direction"`
	BestSeq   int64  `json:"best_seq"`
	Stats     stats  `json:"stats"`
	Rows      []row  `json:"rows"`
}

func summarize(task string, info TaskInfo, list []research.Experiment) summary {
	sum := summary{Task: task, Metric: info.Metric, Direction: string(info.Direction), Rows: make([]row, 0, len(list))}
	seqOf := seqIndex(list)
	st := &sum.Stats
	for _, e := range list {
		st.Experiments++
		st.SpentUSD += e.Cost.USD
		switch e.Status {
		case research.StatusKept:
			st.Kept++
			st.Best, sum.BestSeq = e.Outcome.Mean, e.Seq
		case research.StatusFailed:
			st.Failed++
		}
		if e.Mode == research.ModeBaseline && st.Baseline == nil {
			st.Baseline = e.Outcome.Mean
		}
		sum.Rows = append(sum.Rows, toRow(e, seqOf))
	}
	if st.Best != nil && st.Baseline != nil {
		d := *st.Best - *st.Baseline
		st.Delta = &d
	}
	if n := len(list); n > 1 {
		if h := list[n-1].CreatedAt.Sub(list[0].CreatedAt).Hours(); h > 0 {
			st.PerHour = float64(n-1) / h
		}
	}
	return sum
}

// seqIndex maps experiment IDs to their numbers within the task.
func seqIndex(list []research.Experiment) map[int64]int64 {
	m := make(map[int64]int64, len(list))
	for _, e := range list {
		m[e.ID] = e.Seq
	}
	return m
}

func toRow(e research.Experiment, seqOf map[int64]int64) row {
	r := row{Seq: e.Seq, Status: string(e.Status), Failure: string(e.Outcome.Failure), Mean: e.Outcome.Mean,
		Std: e.Outcome.Std, Category: string(e.Category), Mode: string(e.Mode), Description: e.Description,
		CostUSD: e.Cost.USD, DurationS: e.Duration().Seconds()}
	if e.ParentID != nil {
		p := seqOf[*e.ParentID]
		r.Parent = &p
	}
	if e.Status == research.StatusRunning {
		r.DurationS = time.Since(e.CreatedAt).Seconds()
	}
	return r
}

type experimentDetail struct {
	row
	Hypothesis string             `json:"hypothesis"`
	Excerpt    string             `json:"failure_excerpt"`
	Test       *float64           `json:"test_metric"`
	Cost       research.Cost      `json:"cost"`
	Code       string             `json:"code"`
	Diff       string             `json:"diff"`
	Seeds      []research.SeedRun `json:"seeds"`
}

func detail(e research.Experiment, list []research.Experiment) experimentDetail {
	return experimentDetail{row: toRow(e, seqIndex(list)), Hypothesis: e.Hypothesis, Excerpt: e.Outcome.Excerpt,
		Test: e.Outcome.Test, Cost: e.Cost, Code: e.Code, Diff: e.Diff, Seeds: e.Outcome.Seeds}
}
