package sandbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Level is how strongly a process is isolated.
type Level string

// Isolation levels, weakest first. Only LevelNone exists outside Linux;
// the others need its namespaces (isolate_linux.go).
const (
	// LevelNone: own process group, scrubbed environment, limits.
	LevelNone Level = "none"
	// LevelPartial adds network and PID namespaces made from Go: no
	// network, and every descendant dies with the run; the file system
	// is the caller's.
	LevelPartial Level = "partial"
	// LevelFull runs under bubblewrap: no network (loopback down), own
	// PID, IPC and UTS namespaces, a read-only view of the system
	// directories and of the paths named in View, writable only the
	// paths named writable and a private /tmp, all capabilities dropped
	// and, when started as root, an unprivileged user.
	LevelFull Level = "full"
)

// Limits bound what a process may take; zero means no limit. They are
// applied on Linux only (with prlimit); elsewhere they are not enforced,
// which Detect's Reason says.
type Limits struct {
	FileBytes   int64 // largest file it may write
	OpenFiles   int64
	Processes   int64 // processes and threads beyond those its user already runs
	MemoryBytes int64 // address space: breaks CUDA, so set it only for CPU runs
}

// Isolation is how Run confines a process.
type Isolation struct {
	Level  Level
	View   View
	Limits Limits
	// CPUs pins the process and everything it starts to these cores from
	// its first instruction (util-linux's taskset, on Linux only); empty:
	// the caller's.
	CPUs []int
}

// Capability is what this machine allows.
type Capability struct {
	Best   Level
	Bwrap  string // bubblewrap's path, when it works
	Reason string // why Best is not full
}

var (
	capOnce sync.Once
	capVal  Capability
)

// Detect finds the strongest isolation this machine and user allow, by
// trying it once (cached for the process). Outside Linux it is always
// LevelNone.
func Detect(ctx context.Context) Capability {
	capOnce.Do(func() { capVal = detect(ctx) })
	return capVal
}

// ErrNotIsolated is returned when strict isolation is asked for and the
// machine cannot give it, and when Run is asked for a level the platform
// lacks.
var ErrNotIsolated = errors.New("full isolation is not available")

// Choose turns a requested level (auto, strict, none) into the level to
// use on this machine, or an error when strict cannot be met.
func Choose(requested string, c Capability) (Level, error) {
	switch requested {
	case "", "auto":
		return c.Best, nil
	case "strict", string(LevelFull):
		if c.Best != LevelFull {
			return "", fmt.Errorf("%w: --isolation strict refuses to run: %s", ErrNotIsolated, c.Reason)
		}
		return LevelFull, nil
	case string(LevelNone):
		return LevelNone, nil
	}
	return "", fmt.Errorf("--isolation must be auto, strict or none, not %q", requested)
}
