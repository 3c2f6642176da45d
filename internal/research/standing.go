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

// measurement is what e's seeds tell of the noise floor: repeated
// measurements of one script that were not selected for looking good, a
// successful baseline's seeds or the confirmation seeds of a kept
// experiment (nil: nothing).
func measurement(e *Experiment) []float64 {
	if e.Outcome.Failure != "" || e.Outcome.Mean == nil {
		return nil
	}
	var xs []float64
	for _, s := range e.Outcome.Seeds {
		if s.OK && s.Metric != nil && (e.Mode == ModeBaseline || (e.Status == StatusKept && s.Confirm)) {
			xs = append(xs, *s.Metric)
		}
	}
	return xs
}

// NewStanding is the standing with best (nil: none) and the noise floor
// pooled over what the experiments among measured tell of it
// (measurement), each with its seed runs.
func NewStanding(best *Experiment, measured []Experiment) Standing {
	var st Standing
	if best != nil {
		st.BestID, st.BestMean, st.BestSeeds = best.ID, best.Outcome.Mean, best.Outcome.values()
	}
	var groups [][]float64
	for i := range measured {
		groups = append(groups, measurement(&measured[i]))
	}
	st.Noise = PooledNoise(groups...)
	return st
}

// evidence is what e's rule weighs with out's seeds against st.
func (st Standing) evidence(e *Experiment, out *Outcome) Evidence {
	return Evidence{Seeds: out.values(), Best: st.BestSeeds, Noise: st.Noise, Planned: e.SeedsPlanned, MaxSeeds: e.SeedsMax}
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
