// Package web is the live dashboard: one route table, html/template pages,
// embedded static files (no CDN, no build step), a JSON API under /api/,
// and live updates by polling that API every second (simple, cacheable,
// and it survives restarts of either side; SSE would save little at one
// request a second). Untrusted text is escaped by html/template on the
// server and set with textContent in the browser.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"

	"github.com/autoresearch/autoresearch/internal/assets"
	"github.com/autoresearch/autoresearch/internal/render"
	"github.com/autoresearch/autoresearch/internal/research"
)

//go:embed templates/*.html static/*
var files embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{"fmt4": render.Metric, "diffLines": render.DiffLines, "percent": render.Percent}).ParseFS(files, "templates/*.html"))

// Store is what the dashboard reads. Every read is bounded (one page of
// rows, aggregates in SQL, chart points after a number) so that pages
// stay fast at 100,000 experiments.
type Store interface {
	Tasks(ctx context.Context) ([]string, error)
	Version(ctx context.Context, task string) (int64, error)
	Stats(ctx context.Context, task string) (research.Stats, error)
	Standing(ctx context.Context, task string) (research.Standing, error)
	Page(ctx context.Context, task string, p research.Page) ([]research.Experiment, error)
	Points(ctx context.Context, task string, after int64) ([]research.Point, int64, error)
	Get(ctx context.Context, task string, seq int64) (*research.Experiment, error)
	Live(ctx context.Context, task string) ([]research.LiveSeed, error)
}

// Server serves the dashboard.
type Server struct {
	Store       Store
	DefaultTask string
	// Goal is the goal the task's experiments are ranked by (the store's
	// record of it, see cli).
	Goal func(ctx context.Context, task string) (research.Goal, error)
	// Landscape is what the model-based optimisers know of the task's
	// best search space (nil: nothing kept yet); measuring it may take
	// seconds, so it is asked for only when the store has moved.
	Landscape  func(ctx context.Context, task string) (*research.Landscape, error)
	cache      cache
	pointCache pointCache
}

// Handler returns the route table.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /tasks/{task}", s.taskPage)
	mux.HandleFunc("GET /tasks/{task}/experiments/{seq}", s.detailPage)
	mux.HandleFunc("GET /api/tasks", s.apiTasks)
	mux.HandleFunc("GET /api/tasks/{task}/experiments", s.apiExperiments)
	mux.HandleFunc("GET /api/tasks/{task}/experiments/{seq}", s.apiExperiment)
	mux.HandleFunc("GET /api/tasks/{task}/points", s.apiPoints)
	mux.HandleFunc("GET /api/tasks/{task}/running", s.apiRunning)
	mux.HandleFunc("GET /api/tasks/{task}/landscape", s.apiLandscape)
	mux.HandleFunc("GET /static/uplot.js", static("text/javascript", assets.UPlotJS))
	mux.HandleFunc("GET /static/uplot.css", static("text/css", assets.UPlotCSS))
	mux.HandleFunc("GET /static/highlight.js", static("text/javascript", assets.HighlightJS))
	mux.HandleFunc("GET /static/highlight.css", static("text/css", assets.HighlightCSS))
	mux.HandleFunc("GET /static/landscape.js", static("text/javascript", render.LandscapeJS))
	mux.Handle("GET /static/", http.FileServerFS(files))
	return secureHeaders(mux)
}

func secureHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

func static(ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write([]byte(body))
	}
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/tasks/"+s.DefaultTask, http.StatusFound)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (s *Server) apiTasks(w http.ResponseWriter, r *http.Request) {
	tasks, err := s.Store.Tasks(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, tasks)
}

func (s *Server) apiExperiments(w http.ResponseWriter, r *http.Request) {
	task := r.PathValue("task")
	p, err := pageQuery(r)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.cached(w, r, task, func(ctx context.Context) (any, error) {
		st, err := s.Store.Stats(ctx, task)
		if err != nil {
			return nil, err
		}
		list, err := s.Store.Page(ctx, task, p)
		if err != nil {
			return nil, err
		}
		goal, err := s.Goal(ctx, task)
		return summarize(task, goal, st, list), err
	})
}

func (s *Server) apiPoints(w http.ResponseWriter, r *http.Request) {
	task := r.PathValue("task")
	after, err := intParam(r, "after", 0)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	s.cached(w, r, task, func(ctx context.Context) (any, error) {
		goal, err := s.Goal(ctx, task)
		if err != nil {
			return nil, err
		}
		pts, best, settled, err := s.points(ctx, task, int64(after), goal.Direction)
		return columns(pts, best, settled, goal.Direction), err
	})
}

// find returns the experiment the path names, or an HTTP status and why.
func (s *Server) find(r *http.Request) (*research.Experiment, int, string) {
	seq, err := strconv.ParseInt(r.PathValue("seq"), 10, 64)
	if err != nil {
		return nil, http.StatusBadRequest, "experiment number must be an integer"
	}
	e, err := s.Store.Get(r.Context(), r.PathValue("task"), seq)
	switch {
	case err != nil:
		return nil, http.StatusInternalServerError, err.Error()
	case e == nil:
		return nil, http.StatusNotFound, "no such experiment"
	}
	return e, 0, ""
}

func (s *Server) apiExperiment(w http.ResponseWriter, r *http.Request) {
	e, code, msg := s.find(r)
	if e == nil {
		fail(w, code, msg)
		return
	}
	goal, err := s.Goal(r.Context(), e.Task)
	if err == nil {
		var j judgement
		if j, err = s.judge(r.Context(), e, goal); err == nil {
			writeJSON(w, detail(*e, j))
			return
		}
	}
	fail(w, http.StatusInternalServerError, err.Error())
}

// judge is how e was decided, read back: its improvement over the best
// it was judged against (research.Improvement) with the noise floor now.
func (s *Server) judge(ctx context.Context, e *research.Experiment, g research.Goal) (judgement, error) {
	j := judgement{Rule: e.Rule, Budget: e.Budget().String(), BudgetSteps: e.BudgetSteps, SeedsPlanned: e.SeedsPlanned, SeedsMax: e.SeedsMax, Against: e.AgainstSeq,
		First: e.Outcome.First, Confirmed: e.Outcome.Confirmed}
	st, err := s.Store.Standing(ctx, e.Task)
	if err != nil {
		return j, err
	}
	if j.Noise = st.Noise; e.AgainstSeq == nil || e.Outcome.Mean == nil {
		return j, nil
	}
	best, err := s.Store.Get(ctx, e.Task, *e.AgainstSeq)
	if err != nil || best == nil {
		return j, err
	}
	if iv, ok := research.Improvement(g.Direction, e.Outcome.Metrics(), best.Outcome.Metrics(), st.Noise); ok {
		j.Improvement = &iv
	}
	return j, nil
}

// apiLandscape answers null when nothing is kept, and is cached until
// the store's version for the task moves.
func (s *Server) apiLandscape(w http.ResponseWriter, r *http.Request) {
	task := r.PathValue("task")
	if s.Landscape == nil {
		fail(w, http.StatusNotFound, "this dashboard does not measure the optimisers' landscape")
		return
	}
	s.cached(w, r, task, func(ctx context.Context) (any, error) { return s.Landscape(ctx, task) })
}

func (s *Server) apiRunning(w http.ResponseWriter, r *http.Request) {
	live, err := s.Store.Live(r.Context(), r.PathValue("task"))
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	if live == nil {
		live = []research.LiveSeed{}
	}
	writeJSON(w, live)
}
