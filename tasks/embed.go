// Package tasks embeds the built-in task folders (manifest, baseline,
// prompt, data preparation, trusted evaluator) and the raw data the
// project ships with them.
package tasks

import "embed"

// FS holds one folder per built-in task.
//
//go:embed shakespeare fashion-mnist cifar10
var FS embed.FS

// Data holds raw data files shipped inside the binary, as
// data/<the manifest's data dir>/<file name>: tiny Shakespeare (public
// domain), so that its task works offline. It is kept apart from FS
// because task folders are copied where scripts run, and raw data holds
// the held-out splits.
//
//go:embed data
var Data embed.FS

// Names lists the built-in tasks in the order they are shown.
var Names = []string{"shakespeare", "fashion-mnist", "cifar10"}
