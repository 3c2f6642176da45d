//go:build !linux

package sandbox

// CPUs is nil outside Linux: processes are not pinned there.
func CPUs() []int { return nil }
