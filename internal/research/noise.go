package research

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Noise is a task's noise floor on one machine: how far one seed's metric
// of an unchanged script strays, pooled over the scripts measured more
// than once without being selected for it (the baselines' seeds, the
// fresh seeds that confirmed each keep). The budget is wall-clock time,
// so it holds the machine's load as well as the seed's luck.
type Noise struct {
	Std float64 // pooled sample standard deviation of one seed's metric
	DF  int     // its degrees of freedom: measurements less scripts
}

// Measured reports whether n can weigh a decision: some script was
// measured more than once, with different results.
func (n Noise) Measured() bool { return n.DF > 0 && n.Std > 0 }

// PooledNoise pools the variances of groups of repeated measurements, each
// group one script's seed metrics (a group of one tells nothing).
func PooledNoise(groups ...[]float64) Noise {
	var ss float64
	df := 0
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

// The margin rule's error rates. Each look (one for each seed count from
// the planned ones to the cap) keeps a change that is no better at most
// keepAlpha/looks of the time, and a keep must pass again once its
// confirmation seeds are in: in all, unchanged scripts are kept about 1 %
// of the time and changes 3 noise floors better about 92 %, without the
// confirmation 4 % (11 % for a script 3 times as noisy as the floor) and
// 97 % (TestMarginRuleErrorRates). A first seed is dropped when a change
// that is no better would be that far behind the best only dropAlpha of
// the time.
const (
	keepAlpha = 0.15
	dropAlpha = 0.2
)

// Evidence is what a decision weighs: the experiment's seed metrics, the
// best's (none: there is no best), the task's noise floor, and how many
// seeds the experiment was planned and may have at most.
type Evidence struct {
	Seeds    []float64
	Best     []float64
	Noise    Noise
	Planned  int
	MaxSeeds int
}

// Judge decides an experiment under r: keep, discard, or (the margin rule,
// below the cap) more seeds when it is ahead of the best but not yet
// clearly. The margin weighs the best's seeds by the task's noise floor
// and the experiment's by the floor or their own spread, whichever is
// larger (spread: a change that makes results noisier is judged by
// that). Without a measured floor it judges as the mean rule does.
func (r AcceptRule) Judge(d Direction, ev Evidence) Verdict {
	switch {
	case len(ev.Seeds) == 0:
		return Discard
	case len(ev.Best) == 0:
		return Keep
	}
	mean, own := MeanStd(ev.Seeds)
	best, _ := MeanStd(ev.Best)
	ahead := d.improvement(mean, best)
	if r == AcceptMean || !ev.Noise.Measured() {
		if ahead > 0 {
			return Keep
		}
		return Discard
	}
	se, df := ev.Noise.spread(len(ev.Seeds), len(ev.Best), own)
	looks := max(1, ev.MaxSeeds-max(1, ev.Planned)+1)
	switch {
	case ahead > quantile(df, 1-keepAlpha/float64(looks))*se:
		return Keep
	case ahead > 0 && len(ev.Seeds) < ev.MaxSeeds:
		return MoreSeeds
	}
	return Discard
}

// spread is the standard error of the difference between the means of na
// seeds of an experiment whose own sample std is own and nb seeds of the
// best, with its degrees of freedom. The best's seeds stray as the noise
// floor n says; the experiment's as the floor says or as they do,
// whichever is more, and then the degrees of freedom are
// Welch–Satterthwaite's.
func (n Noise) spread(na, nb int, own float64) (se, df float64) {
	floor := n.Std * n.Std
	vb := floor / float64(nb)
	if na < 2 || own*own <= floor {
		return math.Sqrt(floor/float64(na) + vb), float64(n.DF)
	}
	va := own * own / float64(na)
	df = (va + vb) * (va + vb) / (va*va/float64(na-1) + vb*vb/float64(n.DF))
	return math.Sqrt(va + vb), df
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
	return behind > quantile(float64(noise.DF), 1-dropAlpha)*noise.Std*math.Sqrt(1+1/float64(len(best)))
}

// quantile is Student's t quantile at p for df degrees of freedom: few
// measurements, a wider margin.
func quantile(df, p float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
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
// best (positive: better), with a two-sided 95 % confidence interval on
// the noise floor as Judge weighs it (spread). ok is false when either
// group is empty or the floor is not measured yet.
func Improvement(d Direction, seeds, best []float64, noise Noise) (iv Interval, ok bool) {
	if len(seeds) == 0 || len(best) == 0 || !noise.Measured() {
		return iv, false
	}
	a, own := MeanStd(seeds)
	b, _ := MeanStd(best)
	se, df := noise.spread(len(seeds), len(best), own)
	half := quantile(df, 0.975) * se
	mid := d.improvement(a, b)
	return Interval{Mid: mid, Lo: mid - half, Hi: mid + half}, true
}

// Significant reports whether the whole interval lies above zero.
func (iv Interval) Significant() bool { return iv.Lo > 0 }
