// Isolation on Linux: namespaces made from Go (partial), bubblewrap
// (full), setpriv to leave root, and prlimit for the limits.

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// unprivileged is the user an isolated process runs as when the caller is
// root (nobody on Debian): root is exempt from the process limit and may
// read every file it can see.
const unprivileged = 65534

// detect tries full isolation, then partial, and says why the stronger
// ones failed.
func detect(ctx context.Context) Capability {
	var why []string
	if path, err := exec.LookPath("bwrap"); err != nil {
		why = append(why, "bubblewrap is not installed (apt-get install bubblewrap)")
	} else if err := probe(ctx, Isolation{Level: LevelFull}, path); err != nil {
		why = append(why, "bubblewrap cannot create namespaces here: "+err.Error())
	} else {
		return Capability{Best: LevelFull, Bwrap: path}
	}
	if err := probe(ctx, Isolation{Level: LevelPartial}, ""); err != nil {
		why = append(why, "namespaces are not available: "+err.Error())
		return Capability{Best: LevelNone, Reason: strings.Join(why, "; ")}
	}
	return Capability{Best: LevelPartial, Reason: strings.Join(why, "; ")}
}

// probe runs /bin/true under iso.
func probe(ctx context.Context, iso Isolation, bwrap string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	args, attr := wrap(iso, bwrap, []string{"true"}, "/")
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.SysProcAttr = attr
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// isolate returns the command line and attributes that run spec under its
// isolation, after giving writable paths to the unprivileged user.
func isolate(ctx context.Context, spec Spec) ([]string, *syscall.SysProcAttr, error) {
	iso := spec.Isolation
	if iso.Level == "" {
		iso.Level = LevelNone
	}
	var bwrap string
	if iso.Level == LevelFull {
		c := Detect(ctx)
		if c.Best != LevelFull {
			return nil, nil, fmt.Errorf("%w: %s", ErrNotIsolated, c.Reason)
		}
		bwrap = c.Bwrap
		if err := giveAway(iso.View.Writable); err != nil {
			return nil, nil, err
		}
	}
	if iso.Limits.Processes > 0 {
		uid := os.Getuid()
		if iso.Level == LevelFull && uid == 0 {
			uid = unprivileged
		}
		iso.Limits.Processes += userTasks(uid)
	}
	args, attr := wrap(iso, bwrap, spec.Args, spec.Dir)
	return args, attr, nil
}

// userTasks counts the processes and threads uid runs now: the process
// limit (RLIMIT_NPROC) counts them all.
func userTasks(uid int) int64 {
	procs, _ := os.ReadDir("/proc")
	var n int64
	for _, p := range procs {
		if p.Name()[0] < '0' || p.Name()[0] > '9' {
			continue
		}
		info, err := p.Info()
		if err != nil {
			continue
		}
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != uid {
			continue
		}
		tasks, _ := os.ReadDir("/proc/" + p.Name() + "/task")
		n += int64(len(tasks))
	}
	return n
}

// giveAway makes the writable paths (and what is in them) the
// unprivileged user's when running as root.
func giveAway(paths []string) error {
	if os.Getuid() != 0 {
		return nil
	}
	for _, path := range paths {
		if err := chownTree(path); err != nil {
			return fmt.Errorf("hand the workspace to the sandbox user: %w", err)
		}
	}
	return nil
}

// chownTree gives everything under dir to the unprivileged user, without
// following links out of it (os.Root).
func chownTree(dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	walkErr := fs.WalkDir(root.FS(), ".", func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return root.Lchown(p, unprivileged, unprivileged)
	})
	return errors.Join(walkErr, root.Close())
}

// wrap returns the command line and process attributes that run args
// under iso in dir.
func wrap(iso Isolation, bwrap string, args []string, dir string) ([]string, *syscall.SysProcAttr) {
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	args = append(limitArgs(iso.Limits), args...)
	switch iso.Level {
	case LevelFull:
		args = append(bwrapArgs(iso.View, bwrap, dir), append(dropRoot(), args...)...)
		// The PID namespace is made here too, so that bubblewrap itself is
		// its init: when the caller dies (Pdeathsig) and takes bubblewrap
		// with it, the kernel kills everything inside, even in the moment
		// before bubblewrap has armed its own --die-with-parent.
		namespaces(attr, syscall.CLONE_NEWNET|syscall.CLONE_NEWPID)
	case LevelPartial:
		namespaces(attr, syscall.CLONE_NEWNET|syscall.CLONE_NEWPID|syscall.CLONE_NEWIPC)
	}
	return append(pinArgs(iso.CPUs), args...), attr
}

// pinArgs pins what follows to cpus with util-linux's taskset, which
// execs it in its place: bubblewrap and everything inside inherit the
// affinity.
func pinArgs(cpus []int) []string {
	if len(cpus) == 0 {
		return nil
	}
	return []string{tool("taskset"), "--cpu-list", CPUList(cpus)}
}

// namespaces makes the process start in new namespaces; a user namespace
// mapping the caller to itself lets a normal user do so.
func namespaces(attr *syscall.SysProcAttr, flags uintptr) {
	attr.Cloneflags = flags
	if uid := os.Getuid(); uid != 0 {
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: os.Getgid(), HostID: os.Getgid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
}

func bwrapArgs(v View, bwrap, dir string) []string {
	a := []string{bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
		"--unshare-cgroup-try", "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
		"--perms", "1777", "--size", strconv.Itoa(512 << 20), "--tmpfs", "/tmp", "--cap-drop", "ALL"}
	if os.Getuid() != 0 {
		a = append(a, "--unshare-user")
	} else { // only what setpriv needs to become the unprivileged user, which drops them all
		a = append(a, "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP")
	}
	for _, p := range gpuDevices() {
		a = append(a, "--dev-bind", p, p)
	}
	a = append(a, mounts(v)...)
	return append(a, "--chdir", dir, "--")
}

// dropRoot runs the rest as an unprivileged user when the caller is root.
func dropRoot() []string {
	if os.Getuid() != 0 {
		return nil
	}
	u := strconv.Itoa(unprivileged)
	return []string{tool("setpriv"), "--reuid=" + u, "--regid=" + u, "--clear-groups",
		"--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"}
}

// limitArgs applies Limits with util-linux's prlimit (hard and soft).
func limitArgs(l Limits) []string {
	var a []string
	for _, f := range []struct {
		flag string
		v    int64
	}{{"--fsize", l.FileBytes}, {"--nofile", l.OpenFiles}, {"--nproc", l.Processes}, {"--as", l.MemoryBytes}} {
		if f.v > 0 {
			a = append(a, f.flag+"="+strconv.FormatInt(f.v, 10))
		}
	}
	if a == nil {
		return nil
	}
	return append(append([]string{tool("prlimit")}, a...), "--")
}

// tool is the absolute path of a util-linux tool (it runs inside the
// sandbox, which sees /usr but not the caller's PATH order).
func tool(name string) string {
	for _, dir := range []string{"/usr/bin", "/bin", "/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	return name
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// gpuDevices are the device nodes CUDA and ROCm need.
func gpuDevices() []string {
	var out []string
	for _, pat := range []string{"/dev/nvidia*", "/dev/dri", "/dev/kfd"} {
		m, _ := filepath.Glob(pat)
		out = append(out, m...)
	}
	return out
}
