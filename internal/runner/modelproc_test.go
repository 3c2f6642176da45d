package runner

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/testutil"
)

// sideBySideProbe runs a model whose calls take as long as their input's
// first number says, in model processes side by side: a slow call ahead
// of quick ones. Each answer must still be its own input's (the model
// doubles it), in the order asked; a call made while a map is in flight
// gets its own answer; a failing call's error names its own input; every
// process is kept busy at once; batch_outputs pads the last batch and
// says where each starts; and each process maps only its own
// shared memory (it cannot see what another is asked). One process per
// core up to 8 on the CPU, one on a device or the plain way.
const sideBySideProbe = `
import os, sys, tempfile, torch
import ar_data, ar_modelproc, ar_sealed, ar_wire

class Slow(torch.nn.Module):
    def forward(self, x):
        if bool(x[0, 0] < 0):
            raise ValueError("negative")
        w = torch.ones(64, 64) / 64
        y = torch.ones(64, 64)
        for _ in range(int(x[0, 0])):
            y = torch.tanh(y @ w)
        return x * 2 + 0 * y.sum()

path = os.path.join(tempfile.mkdtemp(), "model.pt")
torch.jit.script(Slow()).save(path)
m = ar_sealed.SealedModel(path, "cpu", 2, False)
busiest, ask = 0, m._scoring._ask
def counting_ask(x):
    global busiest
    ticket = ask(x)
    busiest = max(busiest, sum(p.busy for p in m._procs))
    return ticket
m._scoring._ask = counting_ask
m.go()
m.ready()
inputs = [torch.full((1, 3), float(n)) for n in (4000, 0, 1, 0, 2000, 0, 3)]
got, inner = [], None
for i, out in enumerate(m.map(iter(inputs))):
    got.append(out)
    if i == 1:
        inner = m(torch.full((1, 3), 7.0))
ok = all(torch.equal(o, x * 2) for o, x in zip(got, inputs)) and len(got) == len(inputs)
print("order", "ok" if ok else [o[0, 0].item() for o in got])
print("inner", "ok" if torch.equal(inner, torch.full((1, 3), 14.0)) else inner)
try:
    list(m.map(iter([torch.full((1, 2), 3000.0), torch.full((2, 5), -1.0), torch.zeros(1, 2)])))
    print("error none")
except ar_data.ModelOutputError as e:
    print("error", "ok" if "shape [2, 5]" in str(e) else e)
print("after", "ok" if torch.equal(m(torch.ones(1, 1)), torch.full((1, 1), 2.0)) else "wrong")
rows = torch.arange(7.0).view(7, 1).expand(7, 3).contiguous()
parts = [(s, o.tolist(), v) for s, o, v in ar_data.batch_outputs(m, rows, 3, torch.device("cpu"))]
want = [(0, [[0.0] * 3, [2.0] * 3, [4.0] * 3], 3), (3, [[6.0] * 3, [8.0] * 3, [10.0] * 3], 3), (6, [[12.0] * 3] * 3, 1)]
print("batches", "ok" if parts == want else parts)
print("workers", m.workers, "busy at once", busiest)
def shared_maps(pid):
    size = 2 * ar_wire.Region.SIZE
    n = 0
    for line in open(f"/proc/{pid}/maps"):
        span, name = line.split()[0], line.split()[-1]
        lo, hi = (int(v, 16) for v in span.split("-"))
        n += hi - lo == size and "zero" in line
    return n
print("shared maps", [shared_maps(p.pid) for p in m._procs])
f = m.fresh()
print("fresh", "ok" if not m._procs[-1].busy and torch.equal(f(torch.ones(1, 2)), torch.full((1, 2), 2.0)) and busiest <= 2 else "wrong")
m.finish()
plan = [ar_sealed.workers_for(*a) for a in (("cpu", 16), ("cpu", 3), ("cpu", 1), ("cuda", 16), ("cuda:1", 4), ("mps", 8))]
os.environ["AUTORESEARCH_EVAL_FAST"] = "0"
print("plan", plan, ar_sealed.workers_for("cpu", 16))
`

func TestModelCallsSideBySide(t *testing.T) {
	env := testutil.Env(t)
	probe := filepath.Join(t.TempDir(), "probe.py") // TorchScript compiles from a file's source
	if err := os.WriteFile(probe, []byte(sideBySideProbe), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(env.Python, probe)
	cmd.Env = append(env.ChildEnv(), "AUTORESEARCH_EVAL_FAST=1")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want := "order ok\ninner ok\nerror ok\nafter ok\nbatches ok\nworkers 2 busy at once 2\nshared maps [1, 1, 1]\nfresh ok\nplan [8, 3, 1, 1, 1, 1] 1"
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
