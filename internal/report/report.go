package report

import (
	"embed"
	"encoding/json"
	"html/template"
	"io"

	"github.com/autoresearch/autoresearch/internal/assets"
	"github.com/autoresearch/autoresearch/internal/render"
)

//go:embed report.tmpl
var files embed.FS

var page = template.Must(template.New("report.tmpl").Funcs(template.FuncMap{
	"fmt4":      render.Metric,
	"diffLines": render.DiffLines,
	"percent":   render.Percent,
}).ParseFS(files, "report.tmpl"))

// Write renders the report of in to w.
func Write(w io.Writer, in Input) error {
	m := build(in)
	data, err := json.Marshal(m.Chart) // escapes <, > and & inside strings
	if err != nil {
		return err
	}
	return page.Execute(w, struct {
		model
		Data        template.JS
		UPlotJS     template.JS
		UPlotCSS    template.CSS
		LandscapeJS template.JS
	}{m, template.JS(data), template.JS(assets.UPlotJS), template.CSS(assets.UPlotCSS), template.JS(render.LandscapeJS)}) //nolint:gosec // G203: vendored library and json.Marshal output
}
