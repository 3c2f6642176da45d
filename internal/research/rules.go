package research

import "math"

// Direction says which way a metric improves.
type Direction string

// Directions.
const (
	Minimize Direction = "minimize"
	Maximize Direction = "maximize"
)

// Valid reports whether d is a known direction.
func (d Direction) Valid() bool { return d == Minimize || d == Maximize }

// Better reports whether a is strictly better than b.
func (d Direction) Better(a, b float64) bool {
	if d == Maximize {
		return a > b
	}
	return a < b
}

// Accept is the acceptance rule: keep when the mean over seeds beats the
// best mean so far, or when there is no best yet.
func Accept(d Direction, mean float64, best *float64) bool {
	return best == nil || d.Better(mean, *best)
}

// ShortCircuit reports whether the remaining seeds can be skipped: the
// first seed's metric is already worse than the best mean, so the
// experiment cannot reasonably be kept.
func ShortCircuit(d Direction, first float64, best *float64) bool {
	return best != nil && d.Better(*best, first)
}

// MeanStd returns the mean and the sample standard deviation (0 for a
// single value) of xs, which must not be empty.
func MeanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}
