package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/autoresearch/autoresearch/internal/browsertest"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/research/researchtest"
	"github.com/autoresearch/autoresearch/internal/web"
)

// The landscape is measured once per state of the store (it may take
// seconds) and drawn in the dashboard; a dashboard without a source says
// so.
func TestLandscapeInTheDashboard(t *testing.T) {
	db, bare, base := serve(t)
	var calls atomic.Int32
	ls := researchtest.Landscape(xss)
	srv := httptest.NewServer((&web.Server{Store: db, DefaultTask: "shakespeare", Goal: fixedGoal(research.Minimize),
		Landscape: func(context.Context, string) (*research.Landscape, error) { calls.Add(1); return &ls, nil }}).Handler())
	t.Cleanup(srv.Close)
	get := func(url string) (int, research.Landscape) {
		var got research.Landscape
		resp, err := http.Get(url + "/api/tasks/shakespeare/landscape")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&got)
		return resp.StatusCode, got
	}
	for range 2 {
		if code, got := get(srv.URL); code != 200 || got.Best != 3 || len(got.Params) != 2 || *got.Params[0].Importance != 0.85 {
			t.Fatalf("landscape: %d %+v", code, got)
		}
	}
	add(t, db, &base, research.StatusDiscarded, 3.4, "moved", "lr = 7e-3\n")
	get(srv.URL)
	if n := calls.Load(); n != 2 {
		t.Errorf("measured %d times for two states of the store, want 2", n)
	}
	if code, _ := get(bare); code != 404 {
		t.Errorf("a dashboard without a source answered %d, want 404", code)
	}
	b := browsertest.NewLocal(t)
	var shown researchtest.LandscapeShown
	err := chromedp.Run(b.Ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#landscape .slice canvas"),
		chromedp.Sleep(200*time.Millisecond), chromedp.Evaluate(researchtest.LandscapeJS, &shown))
	if err != nil {
		t.Fatal(err)
	}
	if p := shown.Problems(xss); len(p) > 0 {
		t.Errorf("landscape: %v", p)
	}
	b.Screenshot(t, "dashboard-landscape.png")
	var said string
	err = chromedp.Run(b.Ctx, chromedp.Navigate(bare+"/"), chromedp.WaitVisible("#experiments tbody tr"), chromedp.Sleep(300*time.Millisecond),
		chromedp.Text("#landscape-body", &said))
	if err != nil || !strings.Contains(said, "Cannot show it") {
		t.Errorf("without a source the section says %q (err %v)", said, err)
	}
	none := httptest.NewServer((&web.Server{Store: db, DefaultTask: "shakespeare", Goal: fixedGoal(research.Minimize),
		Landscape: func(context.Context, string) (*research.Landscape, error) { return nil, nil }}).Handler())
	t.Cleanup(none.Close)
	err = chromedp.Run(b.Ctx, chromedp.Navigate(none.URL+"/"), chromedp.WaitVisible("#experiments tbody tr"), chromedp.Sleep(300*time.Millisecond),
		chromedp.Text("#landscape-body", &said))
	if err != nil || said != "No experiment has been kept yet." {
		t.Errorf("with nothing kept the section says %q (err %v)", said, err)
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("page problems: %v", p)
	}
}
