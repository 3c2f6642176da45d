package web

import (
	"encoding/json"
	"net/http"
)

func (s *Server) taskPage(w http.ResponseWriter, r *http.Request) {
	task := r.PathValue("task")
	s.render(w, "task.html", map[string]any{"Task": task, "Info": s.Describe(task)})
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request) {
	e, code, msg := s.find(r)
	if e == nil {
		http.Error(w, msg, code)
		return
	}
	d := detail(*e)
	curves, _ := json.Marshal(d.Seeds)
	s.render(w, "experiment.html", map[string]any{"Task": r.PathValue("task"), "Info": s.Describe(r.PathValue("task")),
		"E": d, "Curves": string(curves)})
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
