package report_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/autoresearch/autoresearch/internal/browsertest"
	"github.com/autoresearch/autoresearch/internal/report"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
)

const xss = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`

func f(v float64) *float64 { return &v }

// history makes n experiments: a baseline, then kept, discarded and
// failed ones in turn, with code that changes and an XSS payload in a
// description, an excerpt and the code.
func history(n int, onlyFailures bool) []research.Experiment {
	var out []research.Experiment
	best := 3.0
	for i := 1; i <= n; i++ {
		parent := int64(max(1, i-1))
		e := research.Experiment{ID: int64(i), Seq: int64(i), ParentID: &parent, Task: "shakespeare", Mode: research.ModeImprove,
			Category:    []research.Category{research.CategoryOptimizer, research.CategoryArchitecture, research.CategoryData}[i%3],
			Description: fmt.Sprintf("attempt %d %s", i, xss), Code: fmt.Sprintf("lr = %d\n# %s\nprint('x')\n", i, xss),
			Cost: research.Cost{USD: 0.01}, Status: research.StatusDiscarded, CreatedAt: time.Unix(int64(i)*60, 0)}
		switch {
		case i == 1:
			e.ParentID, e.Mode, e.Status = nil, research.ModeBaseline, research.StatusKept
			e.Outcome = research.Outcome{Mean: f(best), Std: f(0.01), Test: f(3.05), Seeds: []research.SeedRun{{Seed: 42, OK: true, Metric: f(2.99), TestMetric: f(3.04)}, {Seed: 137, OK: true, Metric: f(3.01), TestMetric: f(3.06)}}}
		case onlyFailures || i%4 == 0:
			e.Status, e.Outcome = research.StatusFailed, research.Outcome{Failure: research.FailCrash, Excerpt: xss}
		case i%3 == 0:
			best -= 0.01
			e.Status, e.Outcome = research.StatusKept, research.Outcome{Mean: f(best), Std: f(0.01), Seeds: []research.SeedRun{{Seed: 42, OK: true, Metric: f(best)}}}
		default:
			e.Outcome = research.Outcome{Mean: f(best + 0.05), Std: f(0.02)}
		}
		if onlyFailures && i == 1 {
			e.Status, e.Outcome = research.StatusFailed, research.Outcome{Failure: research.FailSyntax, Excerpt: xss}
		}
		out = append(out, e)
	}
	return out
}

// TestUnsealedMarked: metrics obtained without full isolation carry the
// mark wherever the report shows them, with a note that counts them;
// a history that is all sealed has neither.
func TestUnsealedMarked(t *testing.T) {
	list := history(7, false)
	for i := range list {
		list[i].Outcome.Sealed = true
	}
	if html := render(t, list); strings.Contains(html, `class="unsealed"`) || strings.Contains(html, "unsealed-note") {
		t.Fatal("a sealed history is marked unsealed")
	}
	list[5].Outcome.Sealed = false // #6: the best, kept
	html := render(t, list)
	if !strings.Contains(html, `<span class="unsealed">unsealed</span> 1 of the metrics`) {
		t.Fatal("no note counting the unsealed metric")
	}
	best := html[strings.Index(html, `<section id="best">`):strings.Index(html, `<section id="progression">`)]
	if !strings.Contains(best, "#6") || !strings.Contains(best, `class="unsealed"`) {
		t.Fatalf("the best experiment is not marked:\n%s", best)
	}
	if n := strings.Count(html, `<span class="unsealed">unsealed</span>`); n != 4 { // note, stat, best, top row
		t.Fatalf("%d marks, want 4 (note, best stat, best section, top table)", n)
	}
}

// render returns the report of list.
func render(t *testing.T, list []research.Experiment, ls ...research.Landscape) string {
	t.Helper()
	var buf bytes.Buffer
	in := report.Input{Task: "shakespeare", Goal: research.Goal{Metric: "val_bpb", Direction: research.Minimize}, Experiments: list}
	for _, l := range ls {
		in.Landscape = &l
	}
	if err := report.Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// write writes the report of list to a file and returns its path.
func write(t *testing.T, list []research.Experiment, ls ...research.Landscape) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, []byte(render(t, list, ls...)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// check opens a report offline in Chromium and checks every section.
func check(t *testing.T, path, shot string, wantCanvas bool) {
	b := browsertest.New(t)
	var sections int
	var canvasInk int
	var imgs int
	var xssRan bool
	err := chromedp.Run(b.Ctx,
		chromedp.Navigate("file://"+path),
		chromedp.WaitReady("#insights"),
		chromedp.Evaluate(`["best","progression","top","failures","categories","landscape","cost","insights"].filter(id => document.getElementById(id)).length`, &sections),
		chromedp.Evaluate(`document.querySelectorAll("img").length`, &imgs),
		chromedp.Evaluate(`typeof window.__xss !== "undefined"`, &xssRan),
		chromedp.Evaluate(`(() => { const c = document.querySelector("#progress-chart canvas"); if (!c) return 0;
			const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0;
			for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`, &canvasInk),
	)
	if err != nil {
		t.Fatal(err)
	}
	b.Screenshot(t, shot)
	if sections != 8 {
		t.Errorf("%d of 8 sections rendered", sections)
	}
	if imgs != 0 || xssRan {
		t.Errorf("an XSS payload became markup: %d <img> elements", imgs)
	}
	if wantCanvas && canvasInk < 500 {
		t.Errorf("the progression chart drew %d pixels", canvasInk)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("page problems: %v", p)
	}
	for _, u := range b.Requests() {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the report requested %s", u)
		}
	}
}

func TestReportInABrowser(t *testing.T) {
	check(t, write(t, history(40, false)), "report.png", true)
}

func TestReportEdgeCases(t *testing.T) {
	check(t, write(t, history(1, false)), "report-one.png", true)
	check(t, write(t, history(6, true)), "report-failures.png", false)
}

func TestReportOfTenThousandExperiments(t *testing.T) {
	var buf bytes.Buffer
	list := history(10000, false)
	if err := report.Write(&buf, report.Input{Task: "t", Goal: research.Goal{Metric: "m", Direction: research.Minimize}, Experiments: list}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 4<<20 {
		t.Fatalf("report of 10,000 experiments is %d bytes", buf.Len())
	}
	if strings.Contains(buf.String(), "<img src=x") || strings.Contains(buf.String(), "<script>alert") {
		t.Fatal("unescaped payload in the report")
	}
}

// TestTimeNotSpentTraining: the report sums where every seed's time went
// (a finalist's test evaluation included) into one share.
func TestTimeNotSpentTraining(t *testing.T) {
	list := history(3, false)
	list[0].TrainSeconds = 30
	list[0].Outcome.Seeds = []research.SeedRun{
		{Seed: 42, OK: true, Metric: f(3), TrainSeconds: 30.5, ExportSeconds: 0.1, EvalSeconds: 1, WallSeconds: 32, TestSeconds: 2},
		{Seed: 137, OK: true, Metric: f(3), TrainSeconds: 30.5, ExportSeconds: 0.1, EvalSeconds: 1, WallSeconds: 32},
	}
	html := render(t, list)
	// 60 s of training in 66 s.
	if !strings.Contains(html, `<b id="not-training">9.1 %</b>time not spent training`) {
		t.Fatalf("no share of the time not spent training, or a wrong one:\n%s", html[:min(len(html), 4000)])
	}
}

// The landscape section shows each parameter's importance, most first,
// and a slice chart per parameter; its note stays text.
func TestReportShowsTheLandscape(t *testing.T) {
	path := write(t, history(12, false), researchtest.Landscape(xss))
	check(t, path, "report-landscape.png", true)
	b := browsertest.New(t)
	var shown researchtest.LandscapeShown
	err := chromedp.Run(b.Ctx, chromedp.Navigate("file://"+path), chromedp.WaitReady("#insights"),
		chromedp.Evaluate(researchtest.LandscapeJS, &shown))
	if err != nil {
		t.Fatal(err)
	}
	if p := shown.Problems(xss); len(p) > 0 {
		t.Errorf("landscape: %v", p)
	}
}
