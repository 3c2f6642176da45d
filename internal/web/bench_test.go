package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/sqlite/sqlitetest"
	"github.com/autoresearch/autoresearch/internal/web"
)

// dashboardMix is what open dashboards ask for: the page and its whole
// chart once, then every second the table page, new chart points and the
// running curves; now and then a sort, an older page or one experiment's
// detail.
var dashboardMix = []string{
	"/tasks/scale",
	"/api/tasks/scale/points?after=0",
	"/api/tasks/scale/experiments?sort=seq&desc=1&offset=0&limit=100",
	"/api/tasks/scale/points?after=100000",
	"/api/tasks/scale/running",
	"/api/tasks/scale/experiments?sort=seq&desc=1&offset=0&limit=100",
	"/api/tasks/scale/points?after=100000",
	"/api/tasks/scale/running",
	"/api/tasks/scale/experiments?sort=mean&desc=0&offset=0&limit=100",
	"/api/tasks/scale/experiments?sort=seq&desc=1&offset=50000&limit=100",
	"/api/tasks/scale/experiments/54321",
	"/api/tasks",
}

// BenchmarkDashboard100k serves a store of 100,000 synthetic experiments
// and drives it with 8 concurrent clients looping over dashboardMix, with
// a writer recording a new experiment every `every` (which invalidates the
// dashboard's cache). It reports p50 and p99 latency over all requests.
func BenchmarkDashboard100k(b *testing.B) {
	db, _ := sqlitetest.Scale(b, 100_000)
	for _, every := range []time.Duration{time.Second, 100 * time.Millisecond} {
		b.Run(fmt.Sprintf("write-every-%s", every), func(b *testing.B) { loadTest(b, db, every) })
	}
	// Cold: each request on a fresh server (empty caches), one at a time.
	for _, path := range slices.Compact(slices.Sorted(slices.Values(dashboardMix))) {
		b.Run("cold"+strings.NewReplacer("/", "_", "?", "_", "&", "_").Replace(path), func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				srv := newServer(db)
				lat = append(lat, fetch(b, srv.URL+path))
				srv.Close()
			}
			reportLatency(b, lat)
		})
	}
}

func newServer(db *sqlite.DB) *httptest.Server {
	return httptest.NewServer((&web.Server{Store: db, DefaultTask: "scale",
		Goal: fixedGoal(research.Minimize)}).Handler())
}

func loadTest(b *testing.B, db *sqlite.DB, every time.Duration) {
	srv := newServer(db)
	defer srv.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go writer(ctx, b, db, every)
	const clients = 8
	per := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := range clients {
		wg.Go(func() {
			for i := c; i < b.N*len(dashboardMix)/clients+c; i++ {
				per[c] = append(per[c], fetch(b, srv.URL+dashboardMix[i%len(dashboardMix)]))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	reportLatency(b, slices.Concat(per...))
}

// writer records one running experiment each tick and finishes it, as a
// live run would (the store grows by these).
func writer(ctx context.Context, b *testing.B, db *sqlite.DB, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		e := &research.Experiment{Task: "scale", Mode: research.ModeImprove, Code: "print(1)\n", Status: research.StatusRunning}
		if err := db.Create(ctx, e); err != nil {
			return
		}
		now := time.Now()
		e.Status, e.FinishedAt = research.StatusDiscarded, &now
		if err := db.Finish(ctx, e); err != nil && ctx.Err() == nil {
			b.Error(err)
		}
	}
}

func fetch(b *testing.B, url string) time.Duration {
	start := time.Now()
	resp, err := http.Get(url) //nolint:gosec,noctx // a benchmark's own local server
	if err != nil {
		b.Error(err)
		return 0
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Errorf("%s: %s %.200s", url, resp.Status, body)
	}
	return time.Since(start)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(lat)), "requests")
}
