// Package tasks embeds the built-in task folders (manifest, baseline,
// prompt, data preparation, trusted evaluator).
package tasks

import "embed"

// FS holds one folder per built-in task.
//
//go:embed shakespeare fashion-mnist cifar10
var FS embed.FS

// Names lists the built-in tasks in the order they are shown.
var Names = []string{"shakespeare", "fashion-mnist", "cifar10"}
