package tune

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
)

// MinImportance is the fewest points of a structure that its parameters'
// importance is measured from: fANOVA's forest says little below it.
const MinImportance = 8

// Explain draws the landscape of best's structure from hist (with code,
// oldest first): every finished experiment of that structure as the
// optimisers count it (a run its settings broke at the worst metric).
// Each parameter's importance is Optuna's fANOVA, measured by a helper
// with the interpreter python finds (asked only when there are points
// enough; nil, or no interpreter: no importance); in the background (seeds train beside it) at the lowest CPU
// priority (its own session, nice 19), so that it takes as little as it
// can from them. Note says why importance is missing when it is.
func Explain(ctx context.Context, python func(context.Context) *pyenv.Env, background bool, best research.Experiment, hist []research.Experiment, d research.Direction) research.Landscape {
	ls := research.Landscape{Best: best.Seq}
	params, err := task.ParseSpace(best.Code)
	if err != nil {
		ls.Note = fmt.Sprintf("nothing to show: the best (#%d) has no usable search space (%v)", best.Seq, err)
		return ls
	}
	l := newLedger(best.Code, hist, d)
	ls.Params, ls.Points = sliceParams(params, l.points), len(l.points)
	for _, pt := range l.points {
		if pt.broken {
			ls.Failed++
		}
	}
	var env *pyenv.Env
	switch {
	case len(l.points) < MinImportance:
		ls.Note = fmt.Sprintf("importance is measured from %d experiments of the best's structure; there are %d so far", MinImportance, len(l.points))
	case python != nil:
		env = python(ctx)
	}
	switch {
	case env != nil:
		measure(ctx, env, background, params, l, d, &ls)
	case ls.Note == "":
		ls.Note = "importance needs the Python that runs the training scripts, with Optuna"
	}
	return ls
}

// sliceParams are params' values and the metric at each point.
func sliceParams(params []task.Param, points []point) []research.ParamSlice {
	out := make([]research.ParamSlice, len(params))
	for i, pr := range params {
		s := research.ParamSlice{Name: pr.Name, Kind: string(pr.Kind), Best: pr.Value}
		for _, pt := range points {
			v, ok := pt.params[pr.Name]
			if !ok {
				continue
			}
			s.Seq, s.Value = append(s.Seq, pt.seq), append(s.Value, v)
			s.Metric, s.Broken = append(s.Metric, pt.value), append(s.Broken, pt.broken)
		}
		out[i] = s
	}
	return out
}

// measure fills each parameter's importance from a study of l's points.
func measure(ctx context.Context, env *pyenv.Env, background bool, params []task.Param, l *ledger, d research.Direction, ls *research.Landscape) {
	shares, err := importance(ctx, env, background, params, l, d)
	if err == nil && len(shares) == 0 {
		err = errors.New("the optimiser found too few points to weigh")
	}
	if err != nil {
		ls.Note = fmt.Sprintf("importance not measured: %v", err)
		return
	}
	ls.Method = "fANOVA (Optuna)"
	for i := range ls.Params {
		if v, ok := shares[ls.Params[i].Name]; ok {
			ls.Params[i].Importance = &v
		}
	}
	sort.SliceStable(ls.Params, func(i, j int) bool { return share(ls.Params[i]) > share(ls.Params[j]) })
}

func share(s research.ParamSlice) float64 {
	if s.Importance == nil {
		return -1
	}
	return *s.Importance
}

func importance(ctx context.Context, env *pyenv.Env, background bool, params []task.Param, l *ledger, d research.Direction) (map[string]float64, error) {
	h, err := startHelper(ctx, env, background)
	if err != nil {
		return nil, err
	}
	defer h.close()
	var ok struct{}
	if err := h.call(ctx, initRequest(TPE, 0, d, params, l.points), &ok); err != nil {
		return nil, err
	}
	var a struct {
		Importance map[string]float64 `json:"importance"`
	}
	err = h.call(ctx, map[string]string{"op": "importance"}, &a)
	return a.Importance, err
}
