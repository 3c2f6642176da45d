package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

type stats struct {
	Experiments int      `json:"experiments"`
	Kept        int      `json:"kept"`
	Failed      int      `json:"failed"`
	Running     int      `json:"running"`
	Best        *float64 `json:"best"`
	BestSealed  bool     `json:"best_sealed"`
	Baseline    *float64 `json:"baseline"`
	Delta       *float64 `json:"delta"`
	SpentUSD    float64  `json:"spent_usd"`
	PerHour     float64  `json:"per_hour"`
	NoiseStd    *float64 `json:"noise_std"` // the noise floor: one seed's std (null until measured)
	NoiseDF     int      `json:"noise_df"`
}

type row struct {
	Seq         int64    `json:"seq"`
	Parent      *int64   `json:"parent"`
	Status      string   `json:"status"`
	Failure     string   `json:"failure"`
	Mean        *float64 `json:"mean"`
	Std         *float64 `json:"std"`
	Unsealed    bool     `json:"unsealed"` // a metric obtained without full isolation
	Category    string   `json:"category"`
	Mode        string   `json:"mode"`
	Description string   `json:"description"`
	CostUSD     float64  `json:"cost_usd"`
	DurationS   float64  `json:"duration_s"` // for running ones, so far when answered
	CreatedAt   string   `json:"created_at"`
	MoreSeeds   bool     `json:"more_seeds"` // running seeds past its planned ones: unclear so far
}

// summary is the stats bar and one page of the table.
type summary struct {
	Task      string `json:"task"`
	Metric    string `json:"metric"`
	Direction string `json:"direction"`
	BestSeq   int64  `json:"best_seq"`
	Stats     stats  `json:"stats"`
	Total     int    `json:"total"`
	Rows      []row  `json:"rows"`
}

func summarize(task string, info research.Goal, st research.Stats, page []research.Experiment) summary {
	sum := summary{Task: task, Metric: info.Metric, Direction: string(info.Direction), Total: st.Experiments,
		Rows: make([]row, 0, len(page)), Stats: stats{Experiments: st.Experiments, Kept: st.Kept, Failed: st.Failed,
			Running: st.Running, Baseline: st.Baseline, SpentUSD: st.SpentUSD, PerHour: st.PerHour(), NoiseDF: st.Noise.DF}}
	if st.Noise.Measured() {
		sum.Stats.NoiseStd = &st.Noise.Std
	}
	if st.Best != nil {
		sum.BestSeq, sum.Stats.Best, sum.Stats.BestSealed = st.Best.Seq, st.Best.Outcome.Mean, !st.Best.Unsealed()
	}
	if b, base := sum.Stats.Best, st.Baseline; b != nil && base != nil {
		d := *b - *base
		sum.Stats.Delta = &d
	}
	for _, e := range page {
		sum.Rows = append(sum.Rows, toRow(e))
	}
	return sum
}

func toRow(e research.Experiment) row {
	r := row{Seq: e.Seq, Parent: e.ParentSeq, Status: string(e.Status), Failure: string(e.Outcome.Failure), Mean: e.Outcome.Mean,
		Std: e.Outcome.Std, Unsealed: e.Unsealed(), Category: string(e.Category), Mode: string(e.Mode), Description: e.Description,
		CostUSD: e.Cost.USD, DurationS: e.Duration().Seconds(), CreatedAt: e.CreatedAt.UTC().Format(time.RFC3339), MoreSeeds: e.MoreSeeds()}
	if e.Status == research.StatusRunning {
		r.DurationS = time.Since(e.CreatedAt).Seconds()
	}
	return r
}

// points are chart points as columns (compact at 100,000 experiments);
// points up to Settled will not change, so a client asks for those after.
// Best is the best-so-far line (research.Direction.BestSoFar).
type points struct {
	Direction research.Direction `json:"direction"` // the line's ranking; when it changes, the client starts again
	Settled   int64              `json:"settled"`
	Seq       []int64            `json:"seq"`
	Mean      []*float64         `json:"mean"`
	Best      []*float64         `json:"best"`
}

func columns(pts []research.Point, best []*float64, settled int64, d research.Direction) points {
	c := points{Direction: d, Settled: settled, Seq: make([]int64, len(pts)), Mean: make([]*float64, len(pts)), Best: best}
	for i, p := range pts {
		c.Seq[i], c.Mean[i] = p.Seq, p.Mean
	}
	return c
}

type experimentDetail struct {
	row
	Hypothesis string              `json:"hypothesis"`
	Excerpt    string              `json:"failure_excerpt"`
	Test       *float64            `json:"test_metric"`
	Cost       research.Cost       `json:"cost"`
	Code       string              `json:"code"`
	Diff       string              `json:"diff"`
	Seeds      []research.SeedRun  `json:"seeds"`
	Times      []research.SeedTime `json:"seed_times"` // where each seed's time went (Seeds' order)
	judgement
}

// judgement is how an experiment was decided: by which rule, on how many
// seeds, against which best, and its improvement over that best with a
// 95 % interval from the task's noise floor (now).
type judgement struct {
	Rule         research.AcceptRule `json:"accept_rule"` // "": decided before rules were (the mean rule)
	Budget       string              `json:"budget"`      // what it trained under: "30 s", "500 steps (at most 30 s)"
	BudgetSteps  int                 `json:"budget_steps"`
	SeedsPlanned int                 `json:"seeds_planned"`
	SeedsMax     int                 `json:"seeds_max"`
	Against      *int64              `json:"judged_against"`
	Improvement  *research.Interval  `json:"improvement"`
	Noise        research.Noise      `json:"noise_floor"`
	First        *float64            `json:"first_metric"`     // the mean that called for a confirmation
	Confirmed    *float64            `json:"confirmed_metric"` // the mean of the fresh seeds run to confirm it
}

func detail(e research.Experiment, j judgement) experimentDetail {
	d := experimentDetail{row: toRow(e), Hypothesis: e.Hypothesis, Excerpt: e.Outcome.Excerpt,
		Test: e.Outcome.Test, Cost: e.Cost, Code: e.Code, Diff: e.Diff, Seeds: e.Outcome.Seeds, judgement: j}
	for _, s := range e.Outcome.Seeds {
		d.Times = append(d.Times, s.Time(e.TrainSeconds))
	}
	return d
}

// pageQuery reads ?sort=&desc=&offset=&limit= (default: newest 100 first).
func pageQuery(r *http.Request) (research.Page, error) {
	p := research.Page{Sort: r.URL.Query().Get("sort"), Desc: r.URL.Query().Get("desc") != "0"}
	if p.Sort == "" {
		p.Sort = "seq"
	}
	if err := research.CheckSort(p.Sort); err != nil {
		return p, err
	}
	var err error
	if p.Offset, err = intParam(r, "offset", 0); err != nil {
		return p, err
	}
	p.Limit, err = intParam(r, "limit", 100)
	return p, err
}

func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s must be a whole number ≥ 0, not %q", name, v)
	}
	return n, nil
}
