package report

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/autoresearch/autoresearch/internal/assets"
	"github.com/autoresearch/autoresearch/internal/research"
)

//go:embed report.tmpl
var files embed.FS

var page = template.Must(template.New("report.tmpl").Funcs(template.FuncMap{
	"fmt4":      fmt4,
	"better":    better,
	"diffLines": diffLines,
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
		Data     template.JS
		UPlotJS  template.JS
		UPlotCSS template.CSS
	}{m, template.JS(data), template.JS(assets.UPlotJS), template.CSS(assets.UPlotCSS)}) //nolint:gosec // G203: vendored library and json.Marshal output
}

func fmt4(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.4f", *v)
}

func better(d research.Direction) string {
	if d == research.Maximize {
		return "higher"
	}
	return "lower"
}

type diffLine struct{ Class, Text string }

func diffLines(diff string) []diffLine {
	var out []diffLine
	for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
		c := ""
		switch {
		case strings.HasPrefix(l, "@@"):
			c = "hunk"
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			c = "add"
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			c = "del"
		}
		out = append(out, diffLine{c, l})
	}
	return out
}
