// Package assets embeds the front-end files vendored from the npm
// registry at pinned versions (scripts/vendor-assets.sh re-fetches and
// checks them): the uPlot chart library, shared by the report and the
// dashboard so that neither needs a network.
package assets

import _ "embed"

// UPlotJS is uPlot's minified browser build (MIT, see uPlot.LICENSE).
//
//go:embed uPlot.iife.min.js
var UPlotJS string

// UPlotCSS is uPlot's stylesheet.
//
//go:embed uPlot.min.css
var UPlotCSS string

// HighlightJS is highlight.js's browser build with its common languages
// (Python included; BSD-3-Clause, see highlight.LICENSE).
//
//go:embed highlight.min.js
var HighlightJS string

// HighlightCSS is highlight.js's GitHub theme.
//
//go:embed highlight-github.min.css
var HighlightCSS string
