package research

// Standing is where a task stands when one of its experiments is judged:
// its best (BestID 0: none yet), the best's seed metrics, and the task's
// noise floor.
type Standing struct {
	BestID    int64
	BestMean  *float64
	BestSeeds []float64
	Noise     Noise
}

// Measures reports whether e's seeds measure the noise floor: they are
// repeated measurements of one script that the loop has reason to
// measure well, a baseline's or a kept experiment's (the best's and
// every best before it).
func Measures(e *Experiment) bool {
	return e.Outcome.Failure == "" && e.Outcome.Mean != nil && (e.Mode == ModeBaseline || e.Status == StatusKept)
}

// NewStanding is the standing with best (nil: none) and the noise floor
// pooled over the experiments among measured that Measures accepts, each
// with its seed runs.
func NewStanding(best *Experiment, measured []Experiment) Standing {
	var st Standing
	if best != nil {
		st.BestID, st.BestMean, st.BestSeeds = best.ID, best.Outcome.Mean, best.Outcome.values()
	}
	var groups [][]float64
	for i := range measured {
		if Measures(&measured[i]) {
			groups = append(groups, measured[i].Outcome.Metrics())
		}
	}
	st.Noise = PooledNoise(groups...)
	return st
}

// evidence is what e's rule weighs with out's seeds against st.
func (st Standing) evidence(e *Experiment, out *Outcome) Evidence {
	return Evidence{Seeds: out.values(), Best: st.BestSeeds, Noise: st.Noise, MaxSeeds: e.SeedsMax}
}

// Metrics are the metrics of o's seeds that produced one, in order.
func (o Outcome) Metrics() []float64 {
	var xs []float64
	for _, s := range o.Seeds {
		if s.OK && s.Metric != nil {
			xs = append(xs, *s.Metric)
		}
	}
	return xs
}

// values are what o's seeds weigh in a decision: their metrics, or its
// mean once when it has one but no seed metric (recorded without them).
func (o Outcome) values() []float64 {
	xs := o.Metrics()
	if len(xs) == 0 && o.Mean != nil {
		xs = []float64{*o.Mean}
	}
	return xs
}
