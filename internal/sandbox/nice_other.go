//go:build !linux

package sandbox

// Outside Linux a background process runs at the caller's priority.
func canRestore() bool { return false }

func niceOf(int) int { return 0 }

func background(int, bool) {}

func foreground(int, int) {}
