// How bubblewrap shows a View (full isolation, Linux only).

package sandbox

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// baseFiles are the parts of /etc and /sys every process needs: the
// dynamic loader's cache and configuration, users and groups, the
// alternatives links (BLAS is chosen through them) and Python's site
// configuration; /sys for CPU topology and devices.
var baseFiles = []string{"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/passwd", "/etc/group",
	"/etc/nsswitch.conf", "/etc/alternatives", "/etc/python3", "/sys"}

// localtime is the time zone, shown as a file (its link leads into
// /usr/share, which stays out of sight).
const localtime = "/etc/localtime"

// baseTools are the programs the sandbox itself runs inside: the limits,
// the switch to the unprivileged user, and the probe.
var baseTools = []string{"prlimit", "setpriv", "true"}

// base is what every isolated process sees besides its View: baseFiles,
// baseTools and the folder of the dynamic loader they use (the C library
// lives beside it), found once.
var base = sync.OnceValue(func() []string {
	paths := slices.Clone(baseFiles)
	for _, t := range baseTools {
		p := tool(t)
		paths = append(paths, p)
		if interp := interpreter(p); interp != "" {
			paths = append(paths, interp)
			if real, err := filepath.EvalSymlinks(interp); err == nil {
				paths = append(paths, filepath.Dir(real))
			}
		}
	}
	return paths
})

// interpreter is the dynamic loader an ELF executable names, or "".
func interpreter(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close() //nolint:errcheck // read only: nothing to lose on close
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err == nil {
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}

// mounts turns the base and v into bubblewrap's file-system arguments, in
// order: links, folders, read-only binds, masks, then the writable paths
// and binds (which may lie under a mask, and show through it).
func mounts(v View) []string {
	p := newPlan()
	for _, path := range append(base(), v.ReadOnly...) {
		p.expose(path)
	}
	for _, path := range v.Writable {
		p.parents(path)
	}
	for _, b := range v.Binds {
		p.parents(b.Dst)
	}
	a := append(p.ops, "--ro-bind-try", localtime, localtime)
	a = append(a, p.masks(v.Masks)...)
	for _, path := range v.Writable {
		a = append(a, "--bind", path, path)
	}
	for _, b := range v.Binds {
		a = append(a, "--ro-bind", b.Src, b.Dst)
	}
	return a
}

// plan collects, in order, the mounts that make paths visible.
type plan struct {
	ops          []string
	linked, made map[string]bool
	shown        []string // host paths bound read-only
}

func newPlan() *plan {
	return &plan{linked: map[string]bool{}, made: map[string]bool{"/": true}}
}

// expose makes path visible: each symbolic link on the way becomes the
// same link inside, and the real file or folder it leads to is bound
// read-only at its own path. Missing paths are skipped.
func (p *plan) expose(path string) {
	for range 40 { // bounded: a loop of links ends here
		path = filepath.Clean(path)
		if p.covered(path) {
			return
		}
		link, target := firstLink(path)
		if link == "" {
			if _, err := os.Stat(path); err == nil {
				p.parents(path)
				p.ops = append(p.ops, "--ro-bind", path, path)
				p.shown = append(p.shown, path)
			}
			return
		}
		if !p.linked[link] {
			p.linked[link] = true
			p.parents(link)
			p.ops = append(p.ops, "--symlink", target, link)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(link), target)
		}
		path = target + strings.TrimPrefix(path, link)
	}
}

// covered reports whether path lies in a folder already bound.
func (p *plan) covered(path string) bool {
	for _, s := range p.shown {
		if under(path, s) {
			return true
		}
	}
	return false
}

// firstLink returns the first component of path that is a symbolic link,
// and what it points to, or "" when there is none.
func firstLink(path string) (string, string) {
	cur := "/"
	for _, part := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		cur = filepath.Join(cur, part)
		st, err := os.Lstat(cur)
		if err != nil {
			return "", ""
		}
		if st.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(cur)
			if err != nil {
				return "", ""
			}
			return cur, target
		}
	}
	return "", ""
}

// parents creates, inside the sandbox, the folders above path, open to
// all (0755): bubblewrap would otherwise make them private, and the
// unprivileged user could not reach a workspace or library below them.
func (p *plan) parents(path string) {
	var chain []string
	for d := filepath.Dir(filepath.Clean(path)); !p.made[d] && !p.covered(d); d = filepath.Dir(d) {
		p.made[d] = true
		chain = append([]string{d}, chain...)
	}
	for _, d := range chain {
		p.ops = append(p.ops, "--perms", "0755", "--dir", d)
	}
}

// masks hides each mask that lies in a visible folder: an empty folder
// over a folder, the empty device over a file.
func (p *plan) masks(masks []string) []string {
	var a []string
	for _, m := range masks {
		if real, err := filepath.EvalSymlinks(m); err == nil {
			m = real
		}
		st, err := os.Stat(m)
		if err != nil || !p.covered(m) {
			continue
		}
		if st.IsDir() {
			a = append(a, "--tmpfs", m)
		} else {
			a = append(a, "--ro-bind", "/dev/null", m)
		}
	}
	return a
}

// under reports whether path is dir or lies below it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/") || dir == "/"
}
