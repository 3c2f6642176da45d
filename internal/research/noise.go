package research

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Noise is a task's noise floor on one machine: how far one seed's metric
// of an unchanged script strays, pooled over every script measured more
// than once (the baseline's seeds, re-measurements of the best). The
// budget is wall-clock time, so it holds the machine's load as well as
// the seed's luck.
type Noise struct {
	Std float64 // pooled sample standard deviation of one seed's metric
	DF  int     // its degrees of freedom: measurements less scripts
}

// Measured reports whether n can weigh a decision: some script was
// measured more than once, with different results.
func (n Noise) Measured() bool { return n.DF > 0 && n.Std > 0 }

// PooledNoise pools the variances of groups of repeated measurements, each
// group one script's seed metrics (a group of one tells nothing).
func PooledNoise(groups ...[]float64) Noise { return Noise{}.With(groups...) }

// With is n pooled with more groups of repeated measurements.
func (n Noise) With(groups ...[]float64) Noise {
	ss := n.Std * n.Std * float64(n.DF)
	df := n.DF
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		_, std := MeanStd(g)
		ss += std * std * float64(len(g)-1)
		df += len(g) - 1
	}
	if df == 0 {
		return Noise{}
	}
	return Noise{Std: math.Sqrt(ss / float64(df)), DF: df}
}

// AcceptRule is how an experiment is judged against the best.
type AcceptRule string

// Acceptance rules.
const (
	// AcceptMargin keeps an experiment only when its improvement over the
	// best is larger than the noise floor gives by chance; an
	// inconclusive but promising one earns more seeds. The default.
	AcceptMargin AcceptRule = "margin"
	// AcceptMean keeps an experiment whose mean beats the best mean at
	// all, by any amount (the original rule, for parity).
	AcceptMean AcceptRule = "mean"
)

// Valid reports whether r is a known rule.
func (r AcceptRule) Valid() bool { return r == AcceptMargin || r == AcceptMean }

// Verdict is what the evidence so far says about an experiment.
type Verdict string

// Verdicts.
const (
	Keep      Verdict = "keep"
	Discard   Verdict = "discard"
	MoreSeeds Verdict = "more seeds"
)

// The margin rule's error rates. A change that is no better is kept at
// most keepAlpha of the time in all, spread over the looks (one for each
// seed count from 2 to the cap: TestMarginRuleErrorRates); a first seed
// is dropped when a change that is no better would be that far behind the
// best only dropAlpha of the time.
const (
	keepAlpha = 0.05
	dropAlpha = 0.2
)

// Evidence is what a decision weighs: the experiment's seed metrics, the
// best's (none: there is no best), the task's noise floor, and how many
// seeds the experiment may have at most.
type Evidence struct {
	Seeds    []float64
	Best     []float64
	Noise    Noise
	MaxSeeds int
}

// Judge decides an experiment under r: keep, discard, or (the margin rule,
// below the cap) more seeds when it is ahead of the best but not yet
// clearly. The margin rule pools the experiment's own seeds into the noise
// floor (a change that makes results noisier is judged by that too).
// Without a noise floor (no script measured twice yet, or none that
// varied) it judges as the mean rule does.
func (r AcceptRule) Judge(d Direction, ev Evidence) Verdict {
	switch {
	case len(ev.Seeds) == 0:
		return Discard
	case len(ev.Best) == 0:
		return Keep
	}
	mean, _ := MeanStd(ev.Seeds)
	best, _ := MeanStd(ev.Best)
	ahead := d.improvement(mean, best)
	noise := ev.Noise.With(ev.Seeds)
	if r == AcceptMean || !noise.Measured() {
		return map[bool]Verdict{true: Keep, false: Discard}[ahead > 0]
	}
	se := noise.Std * math.Sqrt(1/float64(len(ev.Seeds))+1/float64(len(ev.Best)))
	looks := max(1, ev.MaxSeeds-1)
	switch {
	case ahead > noise.critical(keepAlpha/float64(looks))*se:
		return Keep
	case ahead > 0 && len(ev.Seeds) < ev.MaxSeeds:
		return MoreSeeds
	}
	return Discard
}

// Drop reports whether an experiment's remaining seeds can be skipped
// after its first: under the mean rule when that seed is worse than the
// best mean at all, under the margin rule when it is worse by more than
// noise puts an unchanged script behind the best dropAlpha of the time.
func (r AcceptRule) Drop(d Direction, first float64, best []float64, noise Noise) bool {
	if len(best) == 0 {
		return false
	}
	mean, _ := MeanStd(best)
	behind := -d.improvement(first, mean)
	if r == AcceptMean || !noise.Measured() {
		return behind > 0
	}
	return behind > noise.critical(dropAlpha)*noise.Std*math.Sqrt(1+1/float64(len(best)))
}

// critical is the one-sided Student's t quantile at 1-alpha for the
// noise floor's degrees of freedom: few measurements, a wider margin.
func (n Noise) critical(alpha float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n.DF)}.Quantile(1 - alpha)
}

// improvement is how much better a is than b: positive when a is better.
func (d Direction) improvement(a, b float64) float64 {
	if d == Maximize {
		return a - b
	}
	return b - a
}

// Interval is an estimate with its two-sided 95 % confidence interval.
type Interval struct {
	Mid, Lo, Hi float64
}

// Improvement is how much better the mean of seeds is than the mean of
// best (positive: better), with a 95 % confidence interval from the
// noise floor (the task's, which already holds the seeds of kept
// experiments and baselines: nothing is pooled twice). ok is false when
// either group is empty or nothing measured the noise yet.
func Improvement(d Direction, seeds, best []float64, noise Noise) (iv Interval, ok bool) {
	if len(seeds) == 0 || len(best) == 0 || !noise.Measured() {
		return iv, false
	}
	a, _ := MeanStd(seeds)
	b, _ := MeanStd(best)
	half := noise.critical(0.025) * noise.Std * math.Sqrt(1/float64(len(seeds))+1/float64(len(best)))
	mid := d.improvement(a, b)
	return Interval{Mid: mid, Lo: mid - half, Hi: mid + half}, true
}

// Significant reports whether the whole interval lies above zero.
func (iv Interval) Significant() bool { return iv.Lo > 0 }
