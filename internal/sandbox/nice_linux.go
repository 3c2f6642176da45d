package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// lowest is the nice value a background process waits at.
const lowest = 19

// canRestore says whether this process may give a process it lowered its
// priority back (as root, or with RLIMIT_NICE allowing nice 0), and can
// find every process of a sandbox (/proc/PID/task/TID/children).
var canRestore = sync.OnceValue(func() bool {
	pid := os.Getpid()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); err != nil {
		return false
	}
	var lim unix.Rlimit
	return os.Geteuid() == 0 || (unix.Getrlimit(unix.RLIMIT_NICE, &lim) == nil && lim.Cur >= 20)
})

// niceOf is pid's nice value (0 when it cannot be read).
func niceOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 17 {
		return 0
	}
	n, _ := strconv.Atoi(fields[16]) // field 19 of proc(5), counted after the name
	return n
}

// renice sets the nice value of every thread of pid and of its
// descendants (niceness is per thread on Linux), in two passes: a thread
// or process made while the first pass ran, after it read the tree and
// before its parent was reniced, kept the parent's old value.
func renice(pid, nice int) {
	reniceOnce(pid, nice)
	reniceOnce(pid, nice)
}

// reniceOnce sets the nice value of the threads of pid's tree as it
// stands now.
func reniceOnce(pid, nice int) {
	for _, p := range tree(pid) {
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		for _, t := range tasks {
			if tid, err := strconv.Atoi(t.Name()); err == nil {
				_ = unix.Setpriority(unix.PRIO_PROCESS, tid, nice)
			}
		}
	}
}

// tree is pid and its descendants.
func tree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", out[i]))
		for _, f := range files {
			b, _ := os.ReadFile(f) //nolint:gosec // G304: a /proc path built from a pid
			for _, s := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(s); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
