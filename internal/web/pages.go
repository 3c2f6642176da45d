package web

import (
	"encoding/json"
	"net/http"
)

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) {
	task := r.PathValue("task")
	goal, err := s.Goal(r.Context(), task)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, "task.html", map[string]any{"Task": task, "Info": goal})
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request) {
	e, code, msg := s.find(r)
	if e == nil {
		http.Error(w, msg, code)
		return
	}
	goal, err := s.Goal(r.Context(), e.Task)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	j, err := s.judge(r.Context(), e, goal)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d := detail(*e, j)
	curves, _ := json.Marshal(d.Seeds)
	s.render(w, "experiment.html", map[string]any{"Task": r.PathValue("task"), "Info": goal,
		"E": d, "Curves": string(curves)})
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
