package runner

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// Limits of both phases. The process limit counts processes and threads
// beyond those the user already runs; the memory limit (address space)
// applies only where CUDA cannot be in use, since CUDA reserves far more
// address space than it uses.
const (
	maxFileBytes = 4 << 30
	maxOpenFiles = 1024
	maxProcesses = 1024
	minMemory    = 4 << 30
)

// isolation is how a phase runs: the configured level and, under full
// isolation, a view of the interpreter (its allow-list), the harness
// library and the phase's own files (shown read-only at the same path,
// through any mask), the workspace writable, Cfg.Hidden masked; and the
// limits; pinned to slot's cores.
func (r *Runner) isolation(ctx context.Context, slot Slot, dir string, binds ...sandbox.Bind) (sandbox.Isolation, error) {
	iso := sandbox.Isolation{Level: r.Cfg.Isolation, CPUs: slot.CPUs, Limits: sandbox.Limits{
		FileBytes: maxFileBytes, OpenFiles: maxOpenFiles, Processes: maxProcesses, MemoryBytes: r.memoryLimit()}}
	if r.Cfg.Isolation != sandbox.LevelFull {
		return iso, nil
	}
	paths, err := r.Env.ViewPaths(ctx)
	if err != nil {
		return iso, err
	}
	binds = append([]sandbox.Bind{same(r.Env.LibDir)}, binds...)
	iso.View = sandbox.View{ReadOnly: paths, Binds: binds, Writable: []string{dir}, Masks: r.Cfg.Hidden}
	return iso, nil
}

// same shows path at its own path.
func same(path string) sandbox.Bind { return sandbox.Bind{Src: path, Dst: path} }

// memoryLimit is the machine's memory (at least 4 GiB) on CPU runs, and
// no limit where an NVIDIA device exists and the device is not "cpu".
func (r *Runner) memoryLimit() int64 {
	if gpus, _ := filepath.Glob("/dev/nvidia[0-9]*"); len(gpus) > 0 && r.Cfg.Device != "cpu" {
		return 0
	}
	return max(memTotal(), minMemory)
}

// memTotal is MemTotal from /proc/meminfo (0 when unknown), read once.
var memTotal = sync.OnceValue(readMemTotal)

func readMemTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
