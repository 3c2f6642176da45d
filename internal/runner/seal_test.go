package runner

import (
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/autoresearch/autoresearch/internal/testutil"
)

// sealProbe forks a child per action; the child seals itself (after the
// evaluator's warm-up) and tries the action. It prints how each child
// ended: its exit code, or minus the signal that killed it.
const sealProbe = `
import ctypes, json, os, socket, sys, threading, time, torch
import ar_modelproc, ar_seal
libc = ctypes.CDLL(None, use_errno=True)
def ptrace_parent():
    libc.ptrace(16, os.getppid(), 0, 0)  # PTRACE_ATTACH
def read_parent():
    buf = ctypes.create_string_buffer(8)
    local = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
    libc.process_vm_readv(os.getppid(), local, 1, local, 1, 0)
def perf_on_parent():
    attr = ctypes.create_string_buffer(128)
    libc.syscall(298 if os.uname().machine == "x86_64" else 241, attr, os.getppid(), -1, -1, 0)
started = threading.Event()
def idle():
    started.set()
    time.sleep(0.5)
    open("/etc/passwd")
early = None
actions = {
    "compute": lambda: (torch.randn(64, 64) @ torch.randn(64, 64)).sum().item(),
    "conv": lambda: torch.nn.functional.conv2d(torch.randn(1, 3, 8, 8), torch.randn(2, 3, 3, 3)).sum().item(),
    "open": lambda: open("/etc/passwd").read(),
    "from_file": lambda: torch.from_file("/etc/passwd", size=4, dtype=torch.uint8),
    "save": lambda: torch.save(torch.zeros(1), "x.pt"),
    "socket": lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM),
    "unix_socket": lambda: socket.socket(socket.AF_UNIX),
    "exec": lambda: os.execv(sys.executable, [sys.executable, "-c", "pass"]),
    "in_a_thread": lambda: [t := threading.Thread(target=lambda: open("/etc/passwd")), t.start(), t.join()],
    "thread_from_before": lambda: early.join(),
    "rename": lambda: os.rename("a", "b"),
    "ptrace_parent": ptrace_parent,
    "read_parent_memory": read_parent,
    "perf_on_parent": perf_on_parent,
    "sysv_shared_memory": lambda: libc.shmget(0, 4096, 0o1600),
    "posix_queue": lambda: libc.mq_open(b"/q", 0o100 | 2, 0o600, None),
}
out = {}
for name, act in actions.items():
    pid = os.fork()
    if pid == 0:
        ar_modelproc._warm_up(torch.device("cpu"))
        if name == "thread_from_before":  # started before the seal: TSYNC must bind it too
            early = threading.Thread(target=idle)
            early.start()
            started.wait()
        ar_seal.seal()
        act()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    out[name] = os.waitstatus_to_exitcode(status)
print(json.dumps(out))
`

// TestSealKills: once sealed, the model's process dies (SIGSYS) the moment
// it opens a file, makes a socket or starts a program, from any thread,
// while the computations a model needs still run.
func TestSealKills(t *testing.T) {
	env := testutil.Env(t)
	cmd := exec.Command(env.Python, "-c", sealProbe)
	cmd.Env, cmd.Dir = env.ChildEnv(), t.TempDir()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	var got map[string]int
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for action, code := range got {
		want := -int(syscall.SIGSYS)
		if action == "compute" || action == "conv" {
			want = 0
		}
		if code != want {
			t.Errorf("%s: ended with %d, want %d", action, code, want)
		}
	}
	if len(got) != 16 {
		t.Errorf("%d actions reported, want 16: %v", len(got), got)
	}
}

// checkProbe feeds malformed answers to the evaluator's checks: each must
// be refused before it becomes a tensor.
const checkProbe = `
import json, torch
import ar_wire as m
bad = [
    ({"dtype": "float32", "shape": [2, 2]}, bytearray(15)),
    ({"dtype": "object", "shape": [1]}, bytearray(8)),
    ({"dtype": "float32", "shape": [1] * 9}, bytearray(4)),
    ({"dtype": "float32", "shape": [-1, 4]}, bytearray(16)),
    ({"dtype": "float32", "shape": "4"}, bytearray(16)),
    ({"dtype": "float32", "shape": [True, 4]}, bytearray(16)),
    ({"dtype": "float32", "shape": [m.Region.SIZE], "in_region": True}, bytearray()),
    ({"dtype": "float32", "shape": [4], "in_region": True}, bytearray(16)),
]
import mmap
region = m.Region(mmap.mmap(-1, m.Region.SIZE), 0)
refused = 0
for header, payload in bad:
    try:
        m.to_tensor(header, payload, region)
    except ValueError:
        refused += 1
try:
    m.to_tensor({"dtype": "float32", "shape": [4], "in_region": True}, bytearray())
except ValueError:
    refused += 1  # no region to read from
ok = m.to_tensor({"dtype": "int64", "shape": [2]}, bytearray((7).to_bytes(8, "little") * 2))
region.put(torch.tensor([5, 5]))
shared = m.to_tensor({"dtype": "int64", "shape": [2], "in_region": True}, bytearray(), region)
ok = ok if shared.tolist() == [5, 5] else shared
print(json.dumps({"refused": refused, "of": len(bad) + 1, "ok": ok.tolist()}))
`

func TestModelAnswersAreChecked(t *testing.T) {
	env := testutil.Env(t)
	cmd := exec.Command(env.Python, "-c", checkProbe)
	cmd.Env = env.ChildEnv()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got := strings.TrimSpace(string(b)); got != `{"refused": 9, "of": 9, "ok": [7, 7]}` {
		t.Fatalf("checks: %s", got)
	}
}
