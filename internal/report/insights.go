package report

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/autoresearch/autoresearch/internal/research"
)

// categories counts outcomes per category and sums how much the kept
// experiments of each whose improvement was clear (improved) improved on
// their parents.
func categories(list []research.Experiment, byID map[int64]*research.Experiment, improved map[int64]research.Interval, d research.Direction) []categoryRow {
	rows := map[string]*categoryRow{}
	for _, e := range list {
		if e.Mode == research.ModeBaseline {
			continue
		}
		name := string(e.Category)
		if name == "" {
			name = "other"
		}
		r := rows[name]
		if r == nil {
			r = &categoryRow{Name: name}
			rows[name] = r
		}
		switch e.Status {
		case research.StatusKept:
			r.Kept++
			if iv, ok := improved[e.ID]; ok && iv.Significant() {
				r.Clear++
				r.Gain += gain(e, byID, d)
			}
		case research.StatusDiscarded:
			r.Discarded++
		case research.StatusFailed:
			r.Failed++
		}
	}
	var out []categoryRow
	for _, r := range rows {
		if r.Clear > 0 {
			r.MeanGain = r.Gain / float64(r.Clear)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Gain > out[j].Gain || (out[i].Gain == out[j].Gain && out[i].Name < out[j].Name)
	})
	return out
}

// gain is how much better e is than its parent (positive is better).
func gain(e research.Experiment, byID map[int64]*research.Experiment, d research.Direction) float64 {
	if e.ParentID == nil || e.Outcome.Mean == nil {
		return 0
	}
	p := byID[*e.ParentID]
	if p == nil || p.Outcome.Mean == nil {
		return 0
	}
	g := *p.Outcome.Mean - *e.Outcome.Mean
	if d == research.Maximize {
		g = -g
	}
	return g
}

func insights(rows []categoryRow, metric string) []string {
	var out []string
	for _, r := range rows {
		tried := r.Kept + r.Discarded + r.Failed
		unclear := ""
		if n := r.Kept - r.Clear; n > 0 {
			unclear = fmt.Sprintf(" %d more kept without a clear margin over the noise floor are not counted.", n)
		}
		switch {
		case r.Clear > 0:
			out = append(out, fmt.Sprintf("%s changes clearly helped %d of %d times, improving %s by %.4f in all (%.4f each on average).%s",
				r.Name, r.Clear, tried, metric, r.Gain, r.MeanGain, unclear))
		case r.Kept > 0:
			out = append(out, fmt.Sprintf("%s changes never clearly helped (%d tried).%s", r.Name, tried, unclear))
		case tried > 0:
			out = append(out, fmt.Sprintf("%s changes never helped (%d tried, %d failed).", r.Name, tried, r.Failed))
		}
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
