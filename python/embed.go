// Package python embeds the harness library that training scripts import
// (harness.py) and the trusted entry points the runner starts: the train
// wrapper, the evaluator driver, data preparation and the doctor probe.
package python

import "embed"

// FS holds the Python files, written to disk before a run.
//
//go:embed *.py
var FS embed.FS
