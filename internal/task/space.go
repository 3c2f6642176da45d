package task

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The search space is a block of annotated assignments in the baseline:
//
//	# @search-space begin
//	lr: float = 3e-3        # log 1e-4 .. 3e-2
//	n_layer: int = 3        # range 1 .. 6
//	d_model: int = 64       # choice 32 48 64 96 128
//	# @search-space end
//
// Each line is NAME: int|float = VALUE followed by a comment giving the
// values the offline proposer may try: "range LO .. HI" (uniform),
// "log LO .. HI" (log-uniform, positive bounds) or "choice V1 V2 ...".
const (
	spaceBegin = "# @search-space begin"
	spaceEnd   = "# @search-space end"
)

// Kind is how a parameter is sampled.
type Kind string

// Parameter kinds.
const (
	KindRange  Kind = "range"
	KindLog    Kind = "log"
	KindChoice Kind = "choice"
)

// Contains reports whether v lies in p's domain: between its bounds, or
// one of its choices (to 1e-9 relative, as the optimisers' helper reads
// them).
func (p Param) Contains(v float64) bool {
	if p.Kind != KindChoice {
		return p.Lo <= v && v <= p.Hi
	}
	for _, c := range p.Choices {
		if math.Abs(c-v) <= max(1e-9*max(math.Abs(c), math.Abs(v)), 1e-12) {
			return true
		}
	}
	return false
}

// Param is one tunable hyperparameter of a script.
type Param struct {
	Name    string
	Type    string // "int" or "float"
	Value   float64
	Kind    Kind
	Lo, Hi  float64
	Choices []float64
	Line    int // 1-based line in the script
}

var assignRe = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(int|float)\s*=\s*([^#]+?)\s*#\s*(range|log|choice)\s+(.+?)\s*$`)

// ParseSpace reads the search-space block of a script. It is an error when
// the block is missing, unterminated, empty or has a malformed line.
func ParseSpace(src string) ([]Param, error) {
	lines := strings.Split(src, "\n")
	start, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case spaceBegin:
			start = i
		case spaceEnd:
			if start >= 0 && end < 0 {
				end = i
			}
		}
	}
	if start < 0 || end < 0 {
		return nil, fmt.Errorf("no search-space block (%q ... %q)", spaceBegin, spaceEnd)
	}
	var params []Param
	for i := start + 1; i < end; i++ {
		text := strings.TrimSpace(lines[i])
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		p, err := parseParam(text)
		if err != nil {
			return nil, fmt.Errorf("search space line %d: %w", i+1, err)
		}
		p.Line = i + 1
		params = append(params, p)
	}
	if len(params) == 0 {
		return nil, errors.New("the search-space block declares no parameter")
	}
	return params, nil
}

func parseParam(text string) (Param, error) {
	m := assignRe.FindStringSubmatch(text)
	if m == nil {
		return Param{}, fmt.Errorf("%q is not `NAME: int|float = VALUE  # range|log|choice ...`", text)
	}
	p := Param{Name: m[1], Type: m[2], Kind: Kind(m[4])}
	var err error
	if p.Value, err = finite(m[3]); err != nil {
		return p, fmt.Errorf("%s: value %w", p.Name, err)
	}
	nums, err := parseNumbers(strings.ReplaceAll(m[5], "..", " "))
	if err != nil {
		return p, fmt.Errorf("%s: %w", p.Name, err)
	}
	return p, p.setDomain(nums)
}

func (p *Param) setDomain(nums []float64) error {
	if p.Kind == KindChoice {
		if len(nums) < 2 {
			return fmt.Errorf("%s: choice needs at least two values", p.Name)
		}
		p.Choices = nums
		return nil
	}
	if len(nums) != 2 || nums[0] >= nums[1] {
		return fmt.Errorf("%s: %s needs LO .. HI with LO < HI", p.Name, p.Kind)
	}
	if p.Kind == KindLog && nums[0] <= 0 {
		return fmt.Errorf("%s: log bounds must be positive", p.Name)
	}
	p.Lo, p.Hi = nums[0], nums[1]
	return nil
}

// finite parses a finite number (ParseFloat also takes nan and inf).
func finite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

func parseNumbers(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		v, err := finite(f)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Structure is src with the values of its declared parameters left out:
// two scripts with one structure differ at most in those values (one
// model, one search space). A script without a usable search space is
// its own structure.
func Structure(src string) string {
	params, err := ParseSpace(src)
	if err != nil {
		return src
	}
	lines := strings.Split(src, "\n")
	for _, p := range params {
		lines[p.Line-1] = assignRe.ReplaceAllString(strings.TrimSpace(lines[p.Line-1]), "$1: $2 = _  # $4 $5")
	}
	return strings.Join(lines, "\n")
}
