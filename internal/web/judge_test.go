package web_test

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/web"
)

// decided has the store decide a new experiment of t with one seed per
// metric, judged by the margin rule, under a step budget.
func decided(t *testing.T, db *sqlite.DB, mode research.Mode, metrics ...float64) *research.Experiment {
	t.Helper()
	ctx := context.Background()
	e := &research.Experiment{Task: "t", Mode: mode, Code: "x\n", Status: research.StatusRunning, Rule: research.AcceptMargin,
		SeedsPlanned: 2, SeedsMax: 4, TrainSeconds: 30, BudgetSteps: 500}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	for i, m := range metrics {
		e.Outcome.Seeds = append(e.Outcome.Seeds, research.SeedRun{Seed: int64(i + 1), OK: true, Metric: f(m)})
	}
	mean, std := research.MeanStd(metrics)
	e.Outcome.Mean, e.Outcome.Std, e.SeedsDone = &mean, &std, len(metrics)
	if err := db.Decide(ctx, e); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestDetailShowsTheJudgement: the stats carry the noise floor; an
// experiment's detail says its rule, the best it was judged against and
// its improvement over that best with the interval research.Improvement
// gives, and its budget; a running experiment past its planned seeds is marked, in the
// API and on the page.
func TestDetailShowsTheJudgement(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SetGoal(ctx, "t", research.Goal{Metric: "loss", Direction: research.Minimize}); err != nil {
		t.Fatal(err)
	}
	decided(t, db, research.ModeBaseline, 3.0, 3.2, 3.1, 3.05, 3.15)
	better := decided(t, db, research.ModeImprove, 2.5, 2.6)
	if better.Status != research.StatusKept {
		t.Fatalf("0.6 better on a floor of 0.08: %s, want kept", better.Status)
	}
	running := &research.Experiment{Task: "t", Mode: research.ModeImprove, Code: "y\n", Status: research.StatusRunning, SeedsPlanned: 2, SeedsMax: 4}
	if err := db.Create(ctx, running); err != nil {
		t.Fatal(err)
	}
	for seed := range int64(3) {
		if err := db.UpdateLive(ctx, running.ID, seed+1, research.PhaseTraining, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer((&web.Server{Store: db, DefaultTask: "t", Goal: fixedGoal(research.Minimize)}).Handler())
	t.Cleanup(srv.Close)
	st, _ := db.Standing(ctx, "t")
	want, _ := research.Improvement(research.Minimize, []float64{2.5, 2.6}, []float64{3.0, 3.2, 3.1, 3.05, 3.15}, st.Noise)

	var one struct {
		Rule        string             `json:"accept_rule"`
		Budget      string             `json:"budget"`
		BudgetSteps int                `json:"budget_steps"`
		Against     *int64             `json:"judged_against"`
		Improvement *research.Interval `json:"improvement"`
		Noise       research.Noise     `json:"noise_floor"`
	}
	getJSON(t, srv.URL+"/api/tasks/t/experiments/2", &one)
	if one.Budget != "500 steps (at most 30 s)" || one.BudgetSteps != 500 {
		t.Errorf("detail budget %q (%d steps), want 500 steps (at most 30 s)", one.Budget, one.BudgetSteps)
	}
	if one.Rule != "margin" || one.Against == nil || *one.Against != 1 || one.Improvement == nil || one.Noise != st.Noise ||
		math.Abs(one.Improvement.Mid-0.55) > 1e-9 || math.Abs(one.Improvement.Lo-want.Lo) > 1e-9 || !(one.Improvement.Lo > 0) {
		t.Fatalf("detail %+v (improvement %+v); want margin, against #1, %+v, noise %+v", one, one.Improvement, want, st.Noise)
	}
	var sum struct {
		Stats struct {
			NoiseStd *float64 `json:"noise_std"`
			NoiseDF  int      `json:"noise_df"`
		}
		Rows []struct {
			Seq       int64
			MoreSeeds bool `json:"more_seeds"`
		}
	}
	getJSON(t, srv.URL+"/api/tasks/t/experiments", &sum)
	if sum.Stats.NoiseStd == nil || *sum.Stats.NoiseStd != st.Noise.Std || sum.Stats.NoiseDF != st.Noise.DF || st.Noise.DF != 4 {
		t.Fatalf("stats noise %v on %d df; want %+v (the baseline's 4 df)", sum.Stats.NoiseStd, sum.Stats.NoiseDF, st.Noise)
	}
	if r := sum.Rows[0]; r.Seq != 3 || !r.MoreSeeds || sum.Rows[1].MoreSeeds {
		t.Fatalf("rows %+v; want #3 (3 seeds started of 2 planned) marked, #2 not", sum.Rows)
	}
	page := getText(t, srv.URL+"/tasks/t/experiments/2")
	for _, s := range []string{"margin rule", "judged against", "improvement", "clear of zero", "noise floor ±", "budget <span id=\"budget\">500 steps (at most 30 s)"} {
		if !strings.Contains(page, s) {
			t.Errorf("the detail page does not say %q", s)
		}
	}
	if page := getText(t, srv.URL+"/tasks/t/experiments/3"); !strings.Contains(page, "more seeds") {
		t.Error("the running experiment's page does not say it is getting more seeds")
	}
	confirmed := &research.Experiment{Task: "t", Mode: research.ModeImprove, Code: "z\n", Status: research.StatusRunning, SeedsPlanned: 2}
	if err := db.Create(ctx, confirmed); err != nil {
		t.Fatal(err)
	}
	confirmed.Outcome = research.Outcome{Mean: f(2.6), Std: f(0.1), First: f(2.55), Confirmed: f(2.7), Seeds: []research.SeedRun{
		{Seed: 1, OK: true, Metric: f(2.5)}, {Seed: 2, OK: true, Metric: f(2.6)}, {Seed: 3, OK: true, Metric: f(2.7), Confirm: true}}}
	if err := db.Decide(ctx, confirmed); err != nil {
		t.Fatal(err)
	}
	var conf struct {
		First     *float64 `json:"first_metric"`
		Confirmed *float64 `json:"confirmed_metric"`
	}
	getJSON(t, srv.URL+"/api/tasks/t/experiments/4", &conf)
	if conf.First == nil || math.Abs(*conf.First-2.55) > 1e-9 || conf.Confirmed == nil || *conf.Confirmed != 2.7 {
		t.Fatalf("first %v, confirmed %v; want 2.55 and 2.7", conf.First, conf.Confirmed)
	}
	if page := getText(t, srv.URL+"/tasks/t/experiments/4"); !strings.Contains(page, "fresh seeds run to confirm it") || !strings.Contains(page, "3 (confirmation)") {
		t.Error("the detail page does not show the confirmation")
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func getText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
