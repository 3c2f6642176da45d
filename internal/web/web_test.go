package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/autoresearch/autoresearch/internal/browsertest"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/web"
)

const xss = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`

func f(v float64) *float64 { return &v }

func add(t *testing.T, db *sqlite.DB, parent *int64, status research.Status, mean float64, desc, code string) int64 {
	t.Helper()
	ctx := context.Background()
	e := &research.Experiment{Task: "shakespeare", Mode: research.ModeImprove, Category: research.CategoryOptimizer, ParentID: parent,
		Description: desc, Hypothesis: xss, Code: code, Status: research.StatusRunning, TrainSeconds: 30, SeedsPlanned: 2}
	if parent == nil {
		e.Mode = research.ModeBaseline
	}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e.Status, e.FinishedAt = status, &now
	loss := []research.LossPoint{{Step: 0, Loss: 5.5}, {Step: 25, Loss: 3.1}, {Step: 50, Loss: 2.4}}
	if status == research.StatusFailed {
		e.Outcome = research.Outcome{Failure: research.FailCrash, Excerpt: xss}
	} else {
		// Only the proposed attempt ran unsealed (partial or no isolation).
		e.Outcome = research.Outcome{Mean: f(mean), Std: f(0.01), Sealed: !strings.HasPrefix(desc, "attempt"), Seeds: []research.SeedRun{
			{Seed: 42, OK: true, Metric: f(mean), Loss: loss, ImportSeconds: 0.05, StartupSeconds: 0.25, TrainSeconds: 30.2,
				ExportSeconds: 0.1, EvalSeconds: 0.8, WallSeconds: 31.5, TestSeconds: 2},
			{Seed: 137, OK: true, Metric: f(mean), Loss: loss[1:]}}}
	}
	if err := db.Finish(ctx, e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// fixedGoal is a goal lookup that answers d for every task.
func fixedGoal(d research.Direction) func(context.Context, string) (research.Goal, error) {
	return func(context.Context, string) (research.Goal, error) {
		return research.Goal{Metric: "val_bpb", Direction: d}, nil
	}
}

// TestBestSoFarFollowsTheGoal: the chart's best-so-far line comes from
// the server, ranked by the task's goal, also when the goal becomes
// known after the settled points were cached.
func TestBestSoFarFollowsTheGoal(t *testing.T) {
	db, _, base := serve(t)
	add(t, db, &base, research.StatusKept, 3.05, "kept while maximizing", "x") // #5
	dir := research.Minimize
	goal := func(context.Context, string) (research.Goal, error) {
		return research.Goal{Metric: "m", Direction: dir}, nil
	}
	srv := httptest.NewServer((&web.Server{Store: db, Goal: goal}).Handler())
	defer srv.Close()
	for _, c := range []struct {
		d    research.Direction
		want []float64
	}{{research.Minimize, []float64{3.0}}, {research.Maximize, []float64{3.1}}} {
		dir = c.d
		if err := db.Create(context.Background(), &research.Experiment{Task: "shakespeare", Mode: research.ModeEval, Code: "x",
			Status: research.StatusRunning}); err != nil { // moves the version: the cached answer goes
			t.Fatal(err)
		}
		var pts struct {
			Direction string
			Best      []float64
		}
		if dir == research.Minimize { // every point, so that the server caches them ranked this way
			if resp, err := http.Get(srv.URL + "/api/tasks/shakespeare/points"); err == nil {
				resp.Body.Close()
			}
		}
		resp, err := http.Get(srv.URL + "/api/tasks/shakespeare/points?after=4")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&pts)
		resp.Body.Close()
		if err != nil || pts.Direction != string(c.d) || !slices.Equal(pts.Best, c.want) {
			t.Fatalf("%s: best so far %v (%v, %s), want %v at #5 (#1 3.1 kept, #2 3.3 discarded, #4 3.0 kept, #5 3.05 kept)", c.d, pts.Best, err, pts.Direction, c.want)
		}
	}
}

func serve(t *testing.T) (*sqlite.DB, string, int64) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	base := add(t, db, nil, research.StatusKept, 3.1, "baseline", "lr = 3e-3\nprint('hi')  # comment\n")
	add(t, db, &base, research.StatusDiscarded, 3.3, "attempt "+xss, "lr = 1e-3\n")
	add(t, db, &base, research.StatusFailed, 0, "crash "+xss, "raise SystemExit('"+xss+"')\n")
	add(t, db, &base, research.StatusKept, 3.0, "better "+xss, "lr = 2e-3\nprint('hi')  # comment\n")
	srv := httptest.NewServer((&web.Server{Store: db, DefaultTask: "shakespeare",
		Goal: fixedGoal(research.Minimize)}).Handler())
	t.Cleanup(srv.Close)
	return db, srv.URL, base
}

func TestDashboardLiveInABrowser(t *testing.T) {
	db, url, base := serve(t)
	running := &research.Experiment{Task: "shakespeare", Mode: research.ModeImprove, ParentID: &base, Code: "lr = 9e-3\n",
		Description: "in flight", Status: research.StatusRunning}
	if err := db.Create(context.Background(), running); err != nil {
		t.Fatal(err)
	}
	curve := []research.LossPoint{{Step: 0, Loss: 5}, {Step: 25, Loss: 3}, {Step: 50, Loss: 2.5}}
	if err := db.UpdateLive(context.Background(), running.ID, 42, "training", "cpu cores 1", curve); err != nil {
		t.Fatal(err)
	}
	b := browsertest.NewLocal(t)
	var rows, ink, imgs int
	err := chromedp.Run(b.Ctx, chromedp.Navigate(url+"/"), chromedp.WaitVisible("#experiments tbody tr"),
		chromedp.Evaluate(`document.querySelectorAll("#experiments tbody tr").length`, &rows))
	if err != nil || rows != 5 {
		t.Fatalf("table shows %d rows (err %v), want 5", rows, err)
	}
	var marked []string
	err = chromedp.Run(b.Ctx, chromedp.Evaluate(`[...document.querySelectorAll("#experiments tbody tr")].filter(
		tr => tr.querySelector(".unsealed")).map(tr => tr.cells[0].textContent)`, &marked))
	if err != nil || len(marked) != 1 || marked[0] != "#2" {
		t.Fatalf("rows marked unsealed: %v (err %v), want #2 alone", marked, err)
	}
	var liveInk int
	var heading string
	err = chromedp.Run(b.Ctx, chromedp.WaitVisible("#running .running-chart canvas"), chromedp.Sleep(200*time.Millisecond),
		chromedp.Evaluate(inkJS("#running .running-chart canvas"), &liveInk), chromedp.Text("#running h3", &heading))
	if err != nil || liveInk < 300 || !strings.Contains(heading, "seed 42 training on cpu cores 1") {
		t.Fatalf("running section: ink %d heading %q (err %v)", liveInk, heading, err)
	}
	add(t, db, &base, research.StatusDiscarded, 3.2, "arrived live", "lr = 5e-3\n")
	deadline := time.Now().Add(2 * time.Second)
	for rows != 6 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_ = chromedp.Run(b.Ctx, chromedp.Evaluate(`document.querySelectorAll("#experiments tbody tr").length`, &rows))
	}
	if rows != 6 {
		t.Fatalf("a new experiment did not appear within 2 s (%d rows)", rows)
	}
	checkSortAndPager(t, b)
	err = chromedp.Run(b.Ctx,
		chromedp.Evaluate(inkJS("#chart canvas"), &ink),
		chromedp.Evaluate(`document.querySelectorAll("img").length`, &imgs))
	if err != nil || ink < 500 || imgs != 0 {
		t.Fatalf("chart ink %d, injected images %d (err %v)", ink, imgs, err)
	}
	b.Screenshot(t, "dashboard.png")
	checkDetail(t, b, url)
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("page problems: %v", p)
	}
	for _, u := range b.Requests() {
		if !strings.HasPrefix(u, url) {
			t.Errorf("the dashboard requested %s", u)
		}
	}
}

// checkSortAndPager clicks the metric header: the server sorts (highest
// first on the first click) and the pager counts the rows.
func checkSortAndPager(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	var first, pager string
	if err := chromedp.Run(b.Ctx, chromedp.Click(`#experiments th[data-key="mean"]`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for first != "#2" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		_ = chromedp.Run(b.Ctx, chromedp.Text("#experiments tbody tr td", &first), chromedp.Text("#page-info", &pager))
	}
	if first != "#2" || pager != "1–6 of 6" {
		t.Fatalf("sorted by metric, the first row is %q (want #2, the highest), pager %q", first, pager)
	}
}

func checkDetail(t *testing.T, b *browsertest.Browser, url string) {
	t.Helper()
	var code, diff, times string
	var spans, ink, imgs int
	err := chromedp.Run(b.Ctx, chromedp.Navigate(url+"/tasks/shakespeare/experiments/4"), chromedp.WaitVisible("#code"),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Text("#code", &code), chromedp.Text("#diff", &diff), chromedp.Text("#seed-times tbody tr:nth-child(2)", &times),
		chromedp.Evaluate(`document.querySelectorAll("#code span").length`, &spans),
		chromedp.Evaluate(inkJS("#loss-chart canvas"), &ink),
		chromedp.Evaluate(`document.querySelectorAll("img").length`, &imgs))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(code, "lr = 2e-3") || !strings.Contains(diff, "+lr = 2e-3") || !strings.Contains(diff, "-lr = 3e-3") {
		t.Fatalf("detail page: code %q diff %q", code, diff)
	}
	if spans == 0 || ink < 500 || imgs != 0 {
		t.Fatalf("highlight spans %d, loss chart ink %d, injected images %d", spans, ink, imgs)
	}
	// Seed 42: 30 s of training, 0.2 s overrun past the export, 2 s of test:
	// 3.5 of 33.5 s not training.
	if want := "42\t0.05\t0.20\t30.00\t0.10\t0.10\t0.80\t0.25\t2.00\t10.4 %"; strings.TrimSpace(times) != want {
		t.Fatalf("where seed 42's time went: %q, want %q", times, want)
	}
	b.Screenshot(t, "dashboard-experiment.png")
}

func inkJS(sel string) string {
	return `(() => { const c = document.querySelector("` + sel + `"); if (!c) return 0;
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`
}

func TestAPI(t *testing.T) {
	_, url, _ := serve(t)
	get := func(path string, v any) int {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if v != nil {
			_ = json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode
	}
	var tasks []string
	if get("/api/tasks", &tasks) != 200 || len(tasks) != 1 {
		t.Fatalf("tasks %v", tasks)
	}
	var sum struct {
		BestSeq int64 `json:"best_seq"`
		Rows    []map[string]any
		Stats   map[string]any
	}
	if get("/api/tasks/shakespeare/experiments", &sum) != 200 || len(sum.Rows) != 4 || sum.BestSeq != 4 || sum.Stats["kept"].(float64) != 2 {
		t.Fatalf("summary %+v", sum)
	}
	for _, r := range sum.Rows { // newest first: #2 alone ran unsealed; #3 failed and has no metric
		if want := r["seq"].(float64) == 2; r["unsealed"] != want {
			t.Errorf("row #%v unsealed %v, want %v", r["seq"], r["unsealed"], want)
		}
	}
	if sum.Stats["best_sealed"] != true {
		t.Errorf("the best (#4) ran sealed: %v", sum.Stats)
	}
	var one map[string]any
	if get("/api/tasks/shakespeare/experiments/2", &one) != 200 || one["code"] != "lr = 1e-3\n" {
		t.Fatalf("experiment %v", one)
	}
	var page struct {
		Total int
		Rows  []struct{ Seq int64 }
	}
	if get("/api/tasks/shakespeare/experiments?sort=mean&desc=0&limit=2&offset=1", &page) != 200 || page.Total != 4 ||
		len(page.Rows) != 2 || page.Rows[0].Seq != 4 || page.Rows[1].Seq != 1 {
		t.Fatalf("page by metric: %+v", page) // failed #3 has no metric and sorts first
	}
	var pts struct {
		Settled int64
		Seq     []int64
		Best    []float64
	}
	if get("/api/tasks/shakespeare/points?after=1", &pts) != 200 || pts.Settled != 4 || len(pts.Seq) != 2 || pts.Seq[1] != 4 ||
		!slices.Equal(pts.Best, []float64{3.1, 3.0}) {
		t.Fatalf("points: %+v; want #2 and #4 with the best so far 3.1 (#1's), then 3.0", pts)
	}
	for path, code := range map[string]int{"/api/tasks/shakespeare/experiments/99": 404, "/api/tasks/shakespeare/experiments/x": 400, "/nope": 404,
		"/api/tasks/shakespeare/experiments?sort=code": 400, "/api/tasks/shakespeare/experiments?limit=-1": 400,
		"/api/tasks/shakespeare/points?after=x": 400} {
		if got := get(path, nil); got != code {
			t.Errorf("%s: %d, want %d", path, got, code)
		}
	}
}

// TestPointsCacheMatchesTheStore: chart points served from the settled
// cache plus the store equal the store's own answer as experiments start
// and finish.
func TestPointsCacheMatchesTheStore(t *testing.T) {
	db, url, base := serve(t)
	get := func(after int) []int64 {
		resp, err := http.Get(url + "/api/tasks/shakespeare/points?after=" + strconv.Itoa(after))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct{ Seq []int64 }
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return p.Seq
	}
	want := func(after int64) []int64 {
		pts, _, err := db.Points(context.Background(), "shakespeare", after)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, p := range pts {
			out = append(out, p.Seq)
		}
		return out
	}
	running := &research.Experiment{Task: "shakespeare", Mode: research.ModeImprove, ParentID: &base, Code: "x\n", Status: research.StatusRunning}
	steps := []func(){
		func() {},
		func() { add(t, db, &base, research.StatusDiscarded, 3.4, "d", "a\n") },
		func() {
			if err := db.Create(context.Background(), running); err != nil {
				t.Fatal(err)
			}
		},
		func() { add(t, db, &base, research.StatusKept, 2.9, "k", "b\n") },
		func() {
			now := time.Now()
			running.Status, running.FinishedAt, running.Outcome.Mean = research.StatusDiscarded, &now, f(3.5)
			if err := db.Finish(context.Background(), running); err != nil {
				t.Fatal(err)
			}
		},
	}
	for i, step := range steps {
		step()
		for _, after := range []int{0, 2, 5} {
			if got, w := get(after), want(int64(after)); !slices.Equal(got, w) {
				t.Fatalf("step %d, after %d: served %v, store %v", i, after, got, w)
			}
		}
	}
}

// TestChartSurvivesAGoalChange: when the task's goal becomes known in
// another direction (a database from before goals), the open page asks
// for every point again and draws the chart anew, with the new line.
func TestChartSurvivesAGoalChange(t *testing.T) {
	db, _, _ := serve(t)
	var dir atomic.Value
	dir.Store(research.Minimize)
	goal := func(context.Context, string) (research.Goal, error) {
		return research.Goal{Metric: "val_bpb", Direction: dir.Load().(research.Direction)}, nil
	}
	srv := httptest.NewServer((&web.Server{Store: db, DefaultTask: "shakespeare", Goal: goal}).Handler())
	defer srv.Close()
	b := browsertest.NewLocal(t)
	lastBest := func() float64 {
		var v float64
		_ = chromedp.Run(b.Ctx, chromedp.Evaluate(`pts.best.length ? pts.best[pts.best.length - 1] : 0`, &v))
		return v
	}
	if err := chromedp.Run(b.Ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#chart canvas")); err != nil {
		t.Fatal(err)
	}
	if v := lastBest(); v != 3.0 {
		t.Fatalf("minimizing, the line ends at %v, want 3.0", v)
	}
	dir.Store(research.Maximize)
	if err := db.Create(context.Background(), &research.Experiment{Task: "shakespeare", Mode: research.ModeEval, Code: "x",
		Status: research.StatusRunning}); err != nil { // moves the version
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); lastBest() != 3.1 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	var ink int
	err := chromedp.Run(b.Ctx, chromedp.Sleep(300*time.Millisecond), chromedp.Evaluate(inkJS("#chart canvas"), &ink))
	if v := lastBest(); err != nil || v != 3.1 || ink < 500 {
		t.Fatalf("maximizing, the line ends at %v and the chart has %d inked pixels (%v); want 3.1 and a chart", v, ink, err)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("page problems: %v", p)
	}
}
