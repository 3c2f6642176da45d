package tune

import (
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

// point is what one finished experiment says of its settings.
type point struct {
	id, seq int64
	code    string
	params  map[string]float64
	value   float64
	broken  bool // its settings broke the run: value is the worst measured
}

// ledger is what the store says of one structure's points.
type ledger struct {
	structure string
	points    []point            // finished with a value
	measured  map[string]float64 // script → its value
	running   map[string]bool    // scripts in flight
	silent    []point            // ended saying nothing of their point (id and code only)
}

// newLedger reads hist for the points of parent's structure. A measured
// experiment's value is its mean; one its settings broke takes the worst
// mean measured (none measured yet: it waits for one, left out). Interrupted
// or rejected ones say nothing.
func newLedger(parent string, hist []research.Experiment, d research.Direction) *ledger {
	l := &ledger{structure: task.Structure(parent), measured: map[string]float64{}, running: map[string]bool{}}
	var broken []research.Experiment
	for _, e := range hist {
		if task.Structure(e.Code) != l.structure {
			continue
		}
		switch {
		case e.Status == research.StatusRunning:
			l.running[e.Code] = true
		case e.Outcome.Mean != nil && e.Status != research.StatusFailed && e.Status != research.StatusInterrupted:
			l.add(e, *e.Outcome.Mean, false)
		case e.Status == research.StatusFailed && e.Outcome.Failure.Infeasible():
			broken = append(broken, e)
		default:
			l.silent = append(l.silent, point{id: e.ID, code: e.Code})
		}
	}
	if worst, ok := l.worst(d); ok { // else they wait, their trials open, for a first measure
		for _, e := range broken {
			l.add(e, worst, true)
		}
	}
	return l
}

// add records e's point with value v; a point outside the declared
// domains (a script edited by hand or by a model) is measured but not a
// point of the search: the optimisers' helper cannot place it.
func (l *ledger) add(e research.Experiment, v float64, broken bool) {
	l.measured[e.Code] = v
	params, err := task.ParseSpace(e.Code)
	if err != nil {
		return
	}
	pt := point{id: e.ID, seq: e.Seq, code: e.Code, params: map[string]float64{}, value: v, broken: broken}
	for _, pr := range params {
		if !pr.Contains(pr.Value) {
			return
		}
		pt.params[pr.Name] = pr.Value
	}
	l.points = append(l.points, pt)
}

// worst is the worst value measured so far, in direction d.
func (l *ledger) worst(d research.Direction) (float64, bool) {
	if len(l.points) == 0 {
		return 0, false
	}
	w := l.points[0].value
	for _, pt := range l.points[1:] {
		if d.Better(w, pt.value) {
			w = pt.value
		}
	}
	return w, true
}

// wirePoint is a point as the helper reads it.
type wirePoint struct {
	Params map[string]float64 `json:"params"`
	Value  float64            `json:"value"`
}

func wire(points []point) []wirePoint {
	out := make([]wirePoint, len(points))
	for i, pt := range points {
		out[i] = wirePoint{Params: pt.params, Value: pt.value}
	}
	return out
}

// wireParam is a declared parameter as the helper reads it.
type wireParam struct {
	Name    string    `json:"name"`
	Kind    task.Kind `json:"kind"`
	Int     bool      `json:"int"`
	Lo      float64   `json:"lo"`
	Hi      float64   `json:"hi"`
	Choices []float64 `json:"choices"`
}

func space(params []task.Param) []wireParam {
	out := make([]wireParam, len(params))
	for i, pr := range params {
		out[i] = wireParam{Name: pr.Name, Kind: pr.Kind, Int: pr.Type == "int", Lo: pr.Lo, Hi: pr.Hi, Choices: pr.Choices}
	}
	return out
}

// initRequest starts a study of sampler over params that knows points;
// a CMA-ES with too few of them to warm-start from starts at params'
// values.
func initRequest(sampler string, seed uint32, d research.Direction, params []task.Param, points []point) map[string]any {
	x0 := map[string]float64{}
	for _, pr := range params {
		x0[pr.Name] = pr.Value
	}
	return map[string]any{"op": "init", "sampler": sampler, "seed": seed, "direction": d,
		"space": space(params), "x0": x0, "history": wire(points)}
}
