package research

import "math"

// Dynamics is how a script trained, in a few numbers: where its loss
// curve started and ended, the steps it took and how fast, and how the
// loss moved over the last fifth of its steps. A proposer that sees them
// can tell a run that was still improving when its budget ran out (it
// wants speed) from one that had flattened (it wants capacity or a
// better schedule).
type Dynamics struct {
	Start, End     float64 // the first and the last loss logged
	Steps          int     // gradient steps taken
	StepsPerSecond float64 // 0 when the seed has no training time
	// LastFifth is the change of the loss over the last fifth of the
	// steps, relative to its level there (a line fitted through the
	// points): -0.05 fell by 5 %.
	LastFifth float64
}

// trendBand is the relative change over the last fifth within which a
// curve counts as flat.
const trendBand = 0.01

// Trend says where the curve was heading at the end: "still improving",
// "flat" or "rising".
func (d Dynamics) Trend() string {
	switch {
	case d.LastFifth < -trendBand:
		return "still improving"
	case d.LastFifth > trendBand:
		return "rising"
	}
	return "flat"
}

// ExperimentDynamics is the dynamics of e's first seed with a loss curve
// of three points or more (the seeds of one script train alike); false
// when none has one.
func ExperimentDynamics(e *Experiment) (Dynamics, bool) {
	for _, s := range e.Outcome.Seeds {
		if d, ok := SeedDynamics(s); ok {
			return d, true
		}
	}
	return Dynamics{}, false
}

// SeedDynamics is one seed's dynamics; false when its curve has fewer
// than three points.
func SeedDynamics(s SeedRun) (Dynamics, bool) {
	c := s.Loss
	if len(c) < 3 {
		return Dynamics{}, false
	}
	d := Dynamics{Start: c[0].Loss, End: c[len(c)-1].Loss, Steps: max(s.Steps, c[len(c)-1].Step)}
	if s.TrainSeconds > 0 {
		d.StepsPerSecond = float64(d.Steps) / s.TrainSeconds
	}
	d.LastFifth = lastFifth(c)
	return d, true
}

// lastFifth fits a line through the points of the curve's last fifth of
// steps (the last two at least) and returns its change across them
// relative to their mean loss.
func lastFifth(c []LossPoint) float64 {
	from := c[0].Step + (c[len(c)-1].Step-c[0].Step)*4/5
	i := len(c) - 2
	for i > 0 && c[i-1].Step >= from {
		i--
	}
	tail := c[i:]
	var n, sx, sy, sxx, sxy float64
	for _, p := range tail {
		x := float64(p.Step)
		n, sx, sy, sxx, sxy = n+1, sx+x, sy+p.Loss, sxx+x*x, sxy+x*p.Loss
	}
	den := n*sxx - sx*sx
	mean := sy / n
	if den == 0 || mean == 0 || math.IsNaN(mean) {
		return 0
	}
	slope := (n*sxy - sx*sy) / den
	return slope * float64(tail[len(tail)-1].Step-tail[0].Step) / math.Abs(mean)
}
