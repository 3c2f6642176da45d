package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

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
func niceOf(pid int) int { return statField(pid, 19) }

// statField is field n (as proc(5) counts them) of /proc/PID/stat, a
// number past the process's name; 0 when it cannot be read.
func statField(pid, n int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])) // from field 3 on
	if len(fields) <= n-3 {
		return 0
	}
	v, _ := strconv.Atoi(fields[n-3])
	return v
}

// background lowers pid's tree to the lowest priority: the nice value of
// each of its threads and, where the kernel shares the CPU between
// sessions before it shares it between their processes (autogroups:
// /proc/sys/kernel/sched_autogroup_enabled), the nice value of each
// session in the tree other than this process's. A thread's nice value
// counts only within its session, and bubblewrap runs the sandbox in a
// session of its own (full isolation: ownSession), made a moment after
// the start: it is waited for, up to a second.
func background(pid int, ownSession bool) {
	renice(pid, lowest)
	if ownSession {
		groupNice(pid, lowest, time.Second)
	}
}

// foreground gives pid's tree the nice value nice back, and its sessions
// this process's session's.
func foreground(pid, nice int) {
	renice(pid, nice)
	groupNice(pid, ownGroupNice(), 0)
}

// groupNice sets the autogroup nice value of the sessions of pid's tree
// other than this process's, waiting up to wait for one to appear.
func groupNice(pid, nice int, wait time.Duration) {
	own := sessionOf(os.Getpid())
	for deadline := time.Now().Add(wait); ; time.Sleep(10 * time.Millisecond) {
		set := false
		for _, p := range tree(pid) {
			if s := sessionOf(p); s > 0 && s != own {
				set = os.WriteFile(fmt.Sprintf("/proc/%d/autogroup", p), []byte(strconv.Itoa(nice)), 0) == nil || set
			}
		}
		if set || time.Now().After(deadline) {
			return
		}
	}
}

// sessionOf is pid's session (0 when it cannot be read).
func sessionOf(pid int) int { return statField(pid, 6) }

// ownGroupNice is the nice value of this process's autogroup (0 where
// there is none).
func ownGroupNice() int {
	b, _ := os.ReadFile("/proc/self/autogroup")
	f := strings.Fields(string(b)) // "/autogroup-123 nice 0"
	if len(f) == 3 {
		n, _ := strconv.Atoi(f[2])
		return n
	}
	return 0
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
