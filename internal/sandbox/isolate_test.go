package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// probeScript tries what a hostile script would and prints what worked.
const probeScript = `
import json, os, socket, sys
port, secret, outside, bound = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def tries(fn):
    try:
        fn()
        return True
    except Exception as e:
        return False
def connect(addr):
    s = socket.socket(); s.settimeout(2); s.connect(addr); s.close()
def write(p):
    with open(p, "w") as f: f.write("x")
print(json.dumps({
    "loopback": tries(lambda: connect(("127.0.0.1", port))),
    "internet": tries(lambda: connect(("1.1.1.1", 53))),
    "read_secret": tries(lambda: open(secret).read()),
    "write_outside": tries(lambda: write(outside)),
    "write_workspace": tries(lambda: write("mine.txt")),
    "write_tmp": tries(lambda: write("/tmp/t.txt")),
    "read_bound": tries(lambda: open(bound).read()),
    "write_bound": tries(lambda: write(bound)),
    "uid": os.getuid(),
    "pids": len([p for p in os.listdir("/proc") if p.isdigit()]),
    "environ_1": tries(lambda: open("/proc/1/environ").read() if os.getpid() != 1 and "SECRET" in open("/proc/1/environ").read() else 1/0),
}))
`

func TestFullIsolationConfines(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("isolation is Linux only")
	}
	testutil.Need(t, testutil.Bubblewrap)
	env := testutil.Env(t)
	paths, err := env.ViewPaths(context.Background())
	must(t, err)
	port := testutil.Listen(t)
	private := t.TempDir() // stands for ~/.ssh, the DB, the val/test splits
	secret := filepath.Join(private, "id_rsa")
	must(t, os.WriteFile(secret, []byte("SECRET"), 0o644))
	data := filepath.Join(t.TempDir(), "train.pt")
	must(t, os.WriteFile(data, []byte("training split"), 0o644))
	ws := t.TempDir()
	must(t, os.WriteFile(filepath.Join(ws, "probe.py"), []byte(probeScript), 0o644))
	must(t, os.WriteFile(filepath.Join(ws, "train.pt"), nil, 0o644))
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		Args: []string{env.Python, "probe.py", port, secret, filepath.Join(private, "planted"), filepath.Join(ws, "train.pt")},
		Dir:  ws, Env: sandbox.Env(), OutputLimit: 1 << 16,
		Isolation: sandbox.Isolation{Level: sandbox.LevelFull, View: sandbox.View{ReadOnly: paths, Writable: []string{ws},
			Binds: []sandbox.Bind{{Src: data, Dst: filepath.Join(ws, "train.pt")}}}},
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("probe: %v exit %d\n%s", err, res.ExitCode, res.Output)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lastLine(res.Output)), &got); err != nil {
		t.Fatalf("probe output %q: %v", res.Output, err)
	}
	want := map[string]any{"loopback": false, "internet": false, "read_secret": false, "write_outside": false,
		"write_workspace": true, "write_tmp": true, "read_bound": true, "write_bound": false, "environ_1": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	if os.Getuid() == 0 && got["uid"] == float64(0) {
		t.Errorf("the sandbox runs as root")
	}
	if n := got["pids"].(float64); n > 5 {
		t.Errorf("the sandbox sees %v processes: not its own PID namespace", n)
	}
	if _, err := os.Stat(filepath.Join(private, "planted")); err == nil {
		t.Errorf("the sandbox wrote outside its workspace")
	}
}

// TestDescendantsDieWithTheRun: a double-forked, setsid daemon does not
// outlive the run under partial and full isolation (the PID namespace
// goes with the run). Under none it escapes the process group: that
// level's limit, said in the README and in Run's documentation.
func TestDescendantsDieWithTheRun(t *testing.T) {
	for _, level := range []sandbox.Level{sandbox.LevelFull, sandbox.LevelPartial} {
		t.Run(string(level), func(t *testing.T) {
			needLevel(t, level)
			ws := t.TempDir()
			marker := fmt.Sprintf("300.%d", time.Now().UnixNano()%1e9) // sleep's argument names the daemon
			res, err := sandbox.Run(context.Background(), sandbox.Spec{
				Args: []string{"sh", "-c", "(setsid sleep " + marker + " &) ; sleep 0.2; exit 0"},
				Dir:  ws, Env: sandbox.Env(),
				Isolation: sandbox.Isolation{Level: level, View: shell(ws)},
			})
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("run: %v %+v", err, res)
			}
			if left := testutil.ProcessesMatching(marker); len(left) > 0 {
				t.Fatalf("daemon %v outlived the run", left)
			}
		})
	}
}

func TestLimitsApply(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("limits are applied on Linux only")
	}
	ws := t.TempDir()
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		Args: []string{"sh", "-c", "head -c 2000000 /dev/zero > big; echo size $(wc -c < big); ulimit -n"},
		Dir:  ws, Env: sandbox.Env(), OutputLimit: 4096,
		Isolation: sandbox.Isolation{Level: sandbox.Detect(context.Background()).Best, View: shell(ws),
			Limits: sandbox.Limits{FileBytes: 1 << 20, OpenFiles: 64, Processes: 512}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Output, "size 1048576") || !strings.Contains(res.Output, "\n64") {
		t.Fatalf("limits not applied: %q", res.Output)
	}
}

func TestChoose(t *testing.T) {
	full := sandbox.Capability{Best: sandbox.LevelFull}
	partial := sandbox.Capability{Best: sandbox.LevelPartial, Reason: "bubblewrap is not installed"}
	for _, c := range []struct {
		req  string
		cap  sandbox.Capability
		want sandbox.Level
		err  string
	}{
		{"auto", full, sandbox.LevelFull, ""},
		{"auto", partial, sandbox.LevelPartial, ""},
		{"strict", full, sandbox.LevelFull, ""},
		{"strict", partial, "", "bubblewrap is not installed"},
		{"none", full, sandbox.LevelNone, ""},
		{"tight", full, "", "auto, strict or none"},
	} {
		got, err := sandbox.Choose(c.req, c.cap)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Choose(%q, %s) = %q, %v", c.req, c.cap.Best, got, err)
		}
	}
}

// needLevel skips (or, under make test, fails) a test of level where the
// machine lacks what it needs: bubblewrap for full, namespaces for partial.
func needLevel(t *testing.T, level sandbox.Level) {
	t.Helper()
	switch level {
	case sandbox.LevelFull:
		testutil.Need(t, testutil.Bubblewrap)
	case sandbox.LevelPartial:
		testutil.Need(t, testutil.Namespaces)
	}
}

// shell is a view for shell commands: the system's programs, and ws
// writable.
func shell(ws string) sandbox.View {
	return sandbox.View{ReadOnly: []string{"/bin", "/usr/bin"}, Writable: []string{ws}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// BenchmarkIsolationStart measures starting and ending /bin/true at each
// level, and under full isolation with the view a seed gets (the
// interpreter's allow-list); the per-seed cost of isolation is twice the
// difference to none (a seed runs two processes).
func BenchmarkIsolationStart(b *testing.B) {
	ws := b.TempDir()
	paths, err := testutil.Env(b).ViewPaths(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	python := shell(ws)
	python.ReadOnly = append(python.ReadOnly, paths...)
	for _, c := range []struct {
		name  string
		level sandbox.Level
		view  sandbox.View
	}{{"none", sandbox.LevelNone, shell(ws)}, {"partial", sandbox.LevelPartial, shell(ws)},
		{"full", sandbox.LevelFull, shell(ws)}, {"full-python-view", sandbox.LevelFull, python}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				res, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"true"}, Dir: ws, Env: sandbox.Env(),
					Isolation: sandbox.Isolation{Level: c.level, View: c.view,
						Limits: sandbox.Limits{FileBytes: 1 << 30, OpenFiles: 1024, Processes: 1024}}})
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("%v %+v", err, res)
				}
			}
		})
	}
}

// TestPinnedToItsCores: a pinned process and what it starts run only on
// the cores it was given, at every level.
func TestPinnedToItsCores(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("pinning is Linux only")
	}
	cpus := sandbox.CPUs()
	if len(cpus) < 2 {
		t.Skipf("needs two cores, this process may use %v", cpus)
	}
	want := cpus[len(cpus)-1:]
	for _, level := range []sandbox.Level{sandbox.LevelFull, sandbox.LevelPartial, sandbox.LevelNone} {
		t.Run(string(level), func(t *testing.T) {
			needLevel(t, level)
			ws := t.TempDir()
			res, err := sandbox.Run(context.Background(), sandbox.Spec{
				Args: []string{"sh", "-c", "grep Cpus_allowed_list /proc/self/status; (grep Cpus_allowed_list /proc/self/status &); sleep 0.1"},
				Dir:  ws, Env: sandbox.Env(), OutputLimit: 4096,
				Isolation: sandbox.Isolation{Level: level, View: shell(ws), CPUs: want},
			})
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("run: %v %+v", err, res)
			}
			line := "Cpus_allowed_list:\t" + sandbox.CPUList(want)
			if strings.Count(res.Output, line) != 2 {
				t.Fatalf("want both processes on %v (%q), got %q", want, line, res.Output)
			}
		})
	}
}

func TestCPUList(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{{[]int{0}, "0"}, {[]int{0, 1, 2, 3}, "0-3"}, {[]int{0, 2, 3, 4, 7}, "0,2-4,7"}, {nil, ""}} {
		if got := sandbox.CPUList(c.in); got != c.want {
			t.Errorf("CPUList(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
