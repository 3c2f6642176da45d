// Package render holds the small formatting helpers that the HTML views
// (the report and the dashboard) share, so that both show metrics,
// diffs and the optimisers' landscape the same way.
package render

import (
	_ "embed"
	"fmt"
	"strings"
)

// Percent formats a share (0.032) as a percentage ("3.2 %").
func Percent(share float64) string { return fmt.Sprintf("%.1f %%", 100*share) }

// Metric formats an optional metric with four decimals, or a dash.
func Metric(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.4f", *v)
}

// DiffLine is one line of a unified diff with the CSS class that colours
// it: "add", "del", "hunk" or none.
type DiffLine struct{ Class, Text string }

// DiffLines splits a unified diff into classified lines; templates escape
// the text.
func DiffLines(diff string) []DiffLine {
	var out []DiffLine
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
		out = append(out, DiffLine{c, l})
	}
	return out
}

// LandscapeJS draws a research.Landscape (what the model-based optimisers
// know) in the report and the dashboard alike; it needs uPlot.
//
//go:embed landscape.js
var LandscapeJS string
