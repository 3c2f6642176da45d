// Package tune is the model-based proposer: Optuna's TPE or CMA-ES over
// the parent script's declared search space, run by a helper process
// (python/ar_optuna.py) that speaks JSON lines over a pipe. The study is
// built from every finished experiment of the parent's structure in the
// store (earlier runs and other proposers included): a measured metric
// as it is, a run its settings broke (research.FailureKind.Infeasible)
// as the worst metric measured. TPE models them all; CMA-ES starts from
// them and learns from its own trials. The study lives as long as the proposer; a
// parent of another structure (the hybrid's LLM changed the model)
// starts a new one.
package tune

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/propose/search"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

// Samplers, as --proposer names them.
const (
	TPE   = "tpe"
	CMAES = "cmaes"
)

// ErrNoOptimiser means the helper cannot run: Optuna is missing from the
// interpreter.
var ErrNoOptimiser = errors.New("the optimiser cannot start")

// maxTries bounds the points asked for in one proposal that turn out
// measured or in flight already (a discrete space nearly exhausted).
const maxTries = 20

// Proposer asks the study for the next point and writes it into the
// parent script.
type Proposer struct {
	Sampler   string // TPE or CMAES
	Env       *pyenv.Env
	Direction research.Direction
	// History lists the task's experiments with their code, oldest first.
	History func(ctx context.Context) ([]research.Experiment, error)
	Seed    uint32

	mu        sync.Mutex
	h         *helper
	structure string         // the structure the study searches
	fed       map[int64]bool // experiments the study has as points
	pending   map[string]int // script → the trial that asked for it, not yet told
}

var _ research.Proposer = (*Proposer)(nil)

// Start starts the helper and checks that Optuna imports, so that a
// missing package stops the loop before it begins. The helper lives until
// Close or the end of ctx (the loop's).
func (p *Proposer) Start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.start(ctx)
}

func (p *Proposer) start(ctx context.Context) error {
	h, err := startHelper(ctx, p.Env, false)
	if err == nil {
		var v struct{}
		err = h.call(ctx, map[string]string{"op": "version"}, &v)
		if err != nil {
			h.close()
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoOptimiser, err)
	}
	p.h = h
	return nil
}

// Close ends the helper.
func (p *Proposer) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drop()
}

func (p *Proposer) drop() {
	if p.h != nil {
		p.h.close()
		p.h, p.structure = nil, ""
	}
}

// Propose implements research.Proposer.
func (p *Proposer) Propose(ctx context.Context, req research.Request) (research.Proposal, error) {
	start := time.Now()
	params, err := task.ParseSpace(req.Parent.Code)
	if err != nil {
		return research.Proposal{}, fmt.Errorf("the parent (#%d) has no usable search space: %w", req.Parent.Seq, err)
	}
	hist, err := p.History(ctx)
	if err != nil {
		return research.Proposal{}, fmt.Errorf("reading the experiments to learn from: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	prop, err := p.propose(ctx, req.Parent, params, newLedger(req.Parent.Code, hist, p.Direction))
	var refused *answerError
	if err != nil && !errors.As(err, &refused) {
		p.drop() // the helper died or hung: the next proposal starts afresh from the store
	}
	if err != nil {
		return research.Proposal{}, err
	}
	prop.Cost = research.Cost{Proposer: p.Sampler, ProposeSeconds: time.Since(start).Seconds()}
	return prop, nil
}

func (p *Proposer) propose(ctx context.Context, parent research.Experiment, params []task.Param, l *ledger) (research.Proposal, error) {
	if err := p.sync(ctx, params, l); err != nil {
		return research.Proposal{}, err
	}
	for range maxTries {
		trial, values, err := p.ask(ctx, params)
		if err != nil {
			return research.Proposal{}, err
		}
		code, desc, err := search.Assign(parent.Code, params, values)
		if err != nil {
			return research.Proposal{}, err
		}
		if v, ok := l.measured[code]; ok {
			err = p.tell(ctx, trial, p.again(v))
		} else if _, pending := p.pending[code]; pending || l.running[code] {
			err = p.tell(ctx, trial, nil)
		} else {
			p.pending[code] = trial
			return research.Proposal{Code: code, Description: desc, Category: research.CategoryHyperparameter,
				Hypothesis: fmt.Sprintf("%s, having learnt from %d measured points of this script, expects this one to do well", p.Sampler, len(l.points))}, nil
		}
		if err != nil {
			return research.Proposal{}, err
		}
	}
	return research.Proposal{}, errors.New("every point the optimiser asked for was measured or running already: the search space may be exhausted")
}

// again is what a trial that asked for a point measured before is told:
// CMA-ES counts its generation in its own trials, so it learns the value
// again; TPE has the point already and would count it twice.
func (p *Proposer) again(v float64) *float64 {
	if p.Sampler == TPE {
		return nil
	}
	return &v
}

// sync brings the study up to the store: a fresh study for a new
// structure (or after a failure), else the points finished since.
func (p *Proposer) sync(ctx context.Context, params []task.Param, l *ledger) error {
	if p.h == nil || p.structure != l.structure {
		return p.init(ctx, params, l)
	}
	var added []point
	for _, pt := range l.points {
		if p.fed[pt.id] {
			continue
		}
		p.fed[pt.id] = true
		if trial, ok := p.pending[pt.code]; ok {
			delete(p.pending, pt.code)
			if err := p.tell(ctx, trial, &pt.value); err != nil {
				return err
			}
			continue
		}
		added = append(added, pt)
	}
	for _, e := range l.silent { // ended without saying anything of its point
		if p.fed[e.id] {
			continue
		}
		p.fed[e.id] = true
		if trial, ok := p.pending[e.code]; ok {
			delete(p.pending, e.code)
			if err := p.tell(ctx, trial, nil); err != nil {
				return err
			}
		}
	}
	if len(added) == 0 {
		return nil
	}
	var ok struct{}
	return p.h.call(ctx, map[string]any{"op": "add", "history": wire(added)}, &ok)
}

// init starts a study over params that knows every point of l (in the
// running helper, else a new one); a CMA-ES with too few of them to
// warm-start from starts at the parent's values.
func (p *Proposer) init(ctx context.Context, params []task.Param, l *ledger) error {
	if p.h == nil {
		if err := p.start(ctx); err != nil {
			return err
		}
	}
	var ok struct{}
	if err := p.h.call(ctx, initRequest(p.Sampler, p.Seed, p.Direction, params, l.points), &ok); err != nil {
		return err
	}
	p.structure, p.fed, p.pending = l.structure, map[int64]bool{}, map[string]int{}
	for _, pt := range l.points {
		p.fed[pt.id] = true
	}
	for _, e := range l.silent {
		p.fed[e.id] = true
	}
	return nil
}

func (p *Proposer) ask(ctx context.Context, params []task.Param) (int, []float64, error) {
	var a struct {
		Trial  int                `json:"trial"`
		Params map[string]float64 `json:"params"`
	}
	if err := p.h.call(ctx, map[string]string{"op": "ask"}, &a); err != nil {
		return 0, nil, err
	}
	values := make([]float64, len(params))
	for i, pr := range params {
		v, ok := a.Params[pr.Name]
		if !ok {
			return 0, nil, fmt.Errorf("the optimiser's point lacks %s", pr.Name)
		}
		values[i] = v
	}
	return a.Trial, values, nil
}

// tell gives the study a trial's value (nil: the trial says nothing).
func (p *Proposer) tell(ctx context.Context, trial int, value *float64) error {
	var ok struct{}
	return p.h.call(ctx, map[string]any{"op": "tell", "trial": trial, "value": value}, &ok)
}
