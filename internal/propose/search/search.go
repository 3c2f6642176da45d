// Package search is the offline proposer: it mutates the declared search
// space (the `# @search-space` block) of the parent script. No network,
// no API key. It shares the strategy and the runner with the LLM
// proposers, so it is also the scientific control that shows what an LLM
// adds.
package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

// Proposer mutates a few parameters per proposal: one to three when
// improving, about half of them with wider steps when exploring.
type Proposer struct {
	mu     sync.Mutex
	rng    *rand.Rand
	seen   map[string]bool
	random bool
}

var _ research.Proposer = (*Proposer)(nil)

// New returns a proposer drawing from rng.
func New(rng *rand.Rand) *Proposer {
	return &Proposer{rng: rng, seen: map[string]bool{}}
}

// NewRandom returns random search, the control for the search proposer:
// every parameter drawn afresh from its whole domain, whatever the parent.
func NewRandom(rng *rand.Rand) *Proposer {
	return &Proposer{rng: rng, seen: map[string]bool{}, random: true}
}

// Name identifies the proposer in the store.
const Name = "search"

// maxTries bounds the draws spent avoiding a script proposed before.
const maxTries = 20

// Propose implements research.Proposer.
func (p *Proposer) Propose(_ context.Context, req research.Request) (research.Proposal, error) {
	params, err := task.ParseSpace(req.Parent.Code)
	if err != nil {
		return research.Proposal{}, fmt.Errorf("the parent (#%d) has no usable search space: %w", req.Parent.Seq, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[req.Parent.Code] = true
	for range maxTries {
		changes := p.mutate(params, req.Mode)
		code, err := apply(req.Parent.Code, changes)
		if err != nil {
			return research.Proposal{}, err
		}
		if p.seen[code] {
			continue
		}
		p.seen[code] = true
		name := Name
		if p.random {
			name = "random"
		}
		return research.Proposal{Code: code, Description: describe(changes), Category: research.CategoryHyperparameter,
			Hypothesis: hypothesis(req.Mode, changes), Cost: research.Cost{Proposer: name}}, nil
	}
	return research.Proposal{}, errors.New("every mutation drawn was proposed before: the search space may be exhausted")
}

// change is one parameter's new value.
type change struct {
	p   task.Param
	new float64
}

func (p *Proposer) mutate(params []task.Param, mode research.Mode) []change {
	if p.random {
		var out []change
		for _, pr := range params {
			v := rounded(pr, p.uniform(pr))
			out = append(out, change{pr, v})
		}
		return out
	}
	k := 1 + p.rng.IntN(min(3, len(params)))
	scale := 1.0
	if mode == research.ModeExplore {
		k, scale = max(k, (len(params)+1)/2), 3
	}
	var out []change
	for _, i := range p.rng.Perm(len(params))[:k] {
		out = append(out, change{params[i], p.step(params[i], scale)})
	}
	return out
}

// step draws a new value for one parameter, scaled to its domain.
func (p *Proposer) step(pr task.Param, scale float64) float64 {
	for range maxTries {
		// Round to what the script will say, so a change is a real one.
		v := rounded(pr, p.draw(pr, scale))
		if v != pr.Value {
			return v
		}
	}
	return pr.Value
}

func (p *Proposer) draw(pr task.Param, scale float64) float64 {
	switch pr.Kind {
	case task.KindChoice:
		i := nearest(pr.Choices, pr.Value) + p.signedStep(scale)
		return pr.Choices[max(0, min(len(pr.Choices)-1, i))]
	case task.KindLog:
		v := pr.Value * math.Exp(p.rng.NormFloat64()*0.5*scale)
		return clamp(v, pr.Lo, pr.Hi)
	default:
		v := pr.Value + p.rng.NormFloat64()*0.2*scale*(pr.Hi-pr.Lo)
		return clamp(v, pr.Lo, pr.Hi)
	}
}

// uniform draws from the whole domain (log-uniform for log parameters).
func (p *Proposer) uniform(pr task.Param) float64 {
	switch pr.Kind {
	case task.KindChoice:
		return pr.Choices[p.rng.IntN(len(pr.Choices))]
	case task.KindLog:
		return math.Exp(math.Log(pr.Lo) + p.rng.Float64()*(math.Log(pr.Hi)-math.Log(pr.Lo)))
	}
	return pr.Lo + p.rng.Float64()*(pr.Hi-pr.Lo)
}

// signedStep is a move of 1 (or up to scale) places either way.
func (p *Proposer) signedStep(scale float64) int {
	n := 1 + p.rng.IntN(int(scale))
	if p.rng.IntN(2) == 0 {
		return -n
	}
	return n
}

func nearest(xs []float64, v float64) int {
	best := 0
	for i, x := range xs {
		if math.Abs(x-v) < math.Abs(xs[best]-v) {
			best = i
		}
	}
	return best
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// Assign sets each parameter of params (as parsed from code) to the
// value at the same index of values, written as the script declares it
// (an int, or a float to three significant figures), and says what
// changed ("lr 0.003 → 0.001"; an unchanged one is left out).
func Assign(code string, params []task.Param, values []float64) (newCode, description string, err error) {
	if len(values) != len(params) {
		return "", "", fmt.Errorf("%d values for %d parameters", len(values), len(params))
	}
	var changes []change
	for i, pr := range params {
		if v := rounded(pr, values[i]); v != pr.Value {
			changes = append(changes, change{pr, v})
		}
	}
	newCode, err = apply(code, changes)
	return newCode, describe(changes), err
}

var valueRe = regexp.MustCompile(`^(\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*(?:int|float)\s*=\s*)([^#]+?)(\s*#.*)$`)

// apply rewrites the value of each changed parameter on its line.
func apply(code string, changes []change) (string, error) {
	lines := strings.Split(code, "\n")
	for _, c := range changes {
		i := c.p.Line - 1
		m := valueRe.FindStringSubmatch(lines[i])
		if m == nil {
			return "", fmt.Errorf("line %d no longer declares %s", c.p.Line, c.p.Name)
		}
		lines[i] = m[1] + write(c.p, c.new) + m[3]
	}
	return strings.Join(lines, "\n"), nil
}

// write is v as the script will say it for pr: a choice exactly, an int
// rounded, a float to three significant figures; a value that rounding
// took outside its domain is its bound, exactly.
func write(pr task.Param, v float64) string {
	if pr.Kind == task.KindChoice {
		return exact(pr.Type, v)
	}
	lo, hi := pr.Lo, pr.Hi
	if pr.Type == "int" {
		lo, hi = math.Ceil(lo), math.Floor(hi)
	}
	s := format(pr.Type, v)
	switch r, _ := strconv.ParseFloat(s, 64); {
	case r < lo:
		return exact(pr.Type, lo)
	case r > hi:
		return exact(pr.Type, hi)
	}
	return s
}

// rounded is v as the script will hold it for pr (see write).
func rounded(pr task.Param, v float64) float64 {
	r, _ := strconv.ParseFloat(write(pr, v), 64)
	return r
}

// exact writes v with every digit it needs.
func exact(typ string, v float64) string {
	if typ == "int" {
		return format(typ, v)
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func format(typ string, v float64) string {
	if typ == "int" {
		return strconv.FormatInt(int64(math.Round(v)), 10)
	}
	s := strconv.FormatFloat(v, 'g', 3, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func describe(changes []change) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = fmt.Sprintf("%s %s → %s", c.p.Name, write(c.p, c.p.Value), write(c.p, c.new))
	}
	return strings.Join(parts, ", ")
}

func hypothesis(mode research.Mode, changes []change) string {
	if mode == research.ModeExplore {
		return fmt.Sprintf("a wider jump in %d parameters may find a better region than small steps around the best", len(changes))
	}
	return "a small step around a good configuration may improve the metric"
}

// Unchanged proposes its parent exactly as it is: the control of an A/A
// test (scripts/bench-noise.sh). Every experiment it proposes is no better
// than its parent, so each keep it earns is a false one.
type Unchanged struct{}

// Propose implements research.Proposer.
func (Unchanged) Propose(_ context.Context, req research.Request) (research.Proposal, error) {
	return research.Proposal{Code: req.Parent.Code, Category: research.CategoryOther,
		Description: fmt.Sprintf("#%d unchanged (A/A control)", req.Parent.Seq), Cost: research.Cost{Proposer: "unchanged"}}, nil
}
