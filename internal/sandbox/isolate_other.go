//go:build !linux

// Isolation outside Linux: none. Scripts run as plain processes in their
// own process group (which Run kills whole), with a scrubbed environment;
// namespaces, bubblewrap and the limits (prlimit) are Linux's.

package sandbox

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
)

// detect reports LevelNone, and why.
func detect(context.Context) Capability {
	return Capability{Best: LevelNone, Reason: "isolation (namespaces, bubblewrap) and resource limits need Linux; on " +
		runtime.GOOS + " scripts run as plain processes in their own process group"}
}

// isolate runs spec as it is, in its own process group; the limits are
// not applied. Partial and full isolation are refused.
func isolate(_ context.Context, spec Spec) ([]string, *syscall.SysProcAttr, error) {
	switch lvl := spec.Isolation.Level; lvl {
	case LevelPartial, LevelFull:
		return nil, nil, fmt.Errorf("%w: isolation level %s needs Linux; on %s only %s is available",
			ErrNotIsolated, lvl, runtime.GOOS, LevelNone)
	}
	return spec.Args, &syscall.SysProcAttr{Setpgid: true}, nil
}
