package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/report"
	"github.com/autoresearch/autoresearch/internal/research"
)

// judged is experiment id of category c, kept against the experiment
// against (0: none), with one seed per metric.
func judged(id, against int64, c research.Category, metrics ...float64) research.Experiment {
	e := research.Experiment{ID: id, Seq: id, Task: "t", Mode: research.ModeImprove, Category: c, Status: research.StatusKept,
		Description: fmt.Sprintf("change %d", id), Code: fmt.Sprintf("v = %d\n", id)}
	if against == 0 {
		e.Mode = research.ModeBaseline
	} else {
		e.AgainstID, e.AgainstSeq, e.ParentID = &against, &against, &against
	}
	for i, m := range metrics {
		e.Outcome.Seeds = append(e.Outcome.Seeds, research.SeedRun{Seed: int64(i), OK: true, Metric: f(m)})
	}
	mean, std := research.MeanStd(metrics)
	e.Outcome.Mean, e.Outcome.Std = &mean, &std
	return e
}

// TestImprovementsAndClearKeeps: the top table gives each kept
// experiment's improvement over the best it was judged against with its
// interval (research.Improvement on the task's noise floor), marks one
// whose interval holds zero unclear, and the categories and insights
// count only clear keeps; the best's confirmation is shown next to the
// mean it was kept on, and its budget.
func TestImprovementsAndClearKeeps(t *testing.T) {
	list := []research.Experiment{
		judged(1, 0, research.CategoryOther, 3.0, 3.2, 3.1),
		judged(2, 1, research.CategoryOptimizer, 2.5, 2.6),     // 0.55 better: clear
		judged(3, 2, research.CategoryData, 2.549, 2.54, 2.56), // 0.0003 better: kept by the mean rule, not clear
	}
	third := &list[2].Outcome // the best, confirmed on its third seed
	third.Seeds[2].Confirm, third.First, third.Confirmed = true, f(2.5445), f(2.56)
	list[2].TrainSeconds, list[2].BudgetSteps = 30, 500
	noise := research.PooledNoise(list[0].Outcome.Metrics(), list[1].Outcome.Metrics(), list[2].Outcome.Metrics())
	var buf bytes.Buffer
	in := report.Input{Task: "t", Goal: research.Goal{Metric: "loss", Direction: research.Minimize}, Experiments: list, Noise: noise}
	if err := report.Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	clear, _ := research.Improvement(research.Minimize, []float64{2.5, 2.6}, []float64{3.0, 3.2, 3.1}, noise)
	for _, want := range []string{
		fmt.Sprintf("%.4g (%.4g to %.4g) vs #1", clear.Mid, clear.Lo, clear.Hi),
		"unclear vs #2",
		fmt.Sprintf("±%.4g", noise.Std),
		"optimizer changes clearly helped 1 of 1 times",
		"data changes never clearly helped (1 tried). 1 more kept without a clear margin",
		`<td class="num" id="first">2.5445</td>`, `<td class="num" id="confirmed">2.5600</td>`, "2 (confirmation)",
		`budget <span id="budget">500 steps (at most 30 s)</span>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	if strings.Count(html, " unclear") != 1 {
		t.Errorf("%d improvements marked unclear, want 1 (#3's)", strings.Count(html, " unclear"))
	}
}
