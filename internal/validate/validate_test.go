package validate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }

const ok = "import harness as H\nimport torch\nx = H.train_data()\nH.save_model(torch.nn.Linear(1, 1), x)\n"

func TestValidate(t *testing.T) {
	v := Validator{Env: testutil.Env(t)}
	cases := []struct {
		name, code string
		kind       research.FailureKind
		reason     string
	}{
		{"fine", ok, "", ""},
		{"syntax", "def f(:\n", research.FailSyntax, "line 1"},
		{"no harness", "import torch\n", research.FailValidation, "import the harness"},
		{"no save", "import harness as H\nH.train_data()\n", research.FailValidation, "save_model"},
		{"network", ok + "import socket\n", research.FailValidation, "socket"},
		{"urllib", ok + "from urllib.request import urlopen\n", research.FailValidation, "urllib"},
		{"subprocess", ok + "import subprocess\n", research.FailValidation, "subprocess"},
		{"os.system", ok + "import os\nos.system('ls')\n", research.FailValidation, "os.system"},
		{"exec", ok + "exec('print(1)')\n", research.FailValidation, "exec()"},
		{"eval", ok + "eval('1')\n", research.FailValidation, "eval()"},
		{"ctypes", ok + "import ctypes\n", research.FailValidation, "ctypes"},
		{"held-out", ok + "p = 'prepared/val.pt'\n", research.FailValidation, "val.pt"},
		{"evaluator", ok + "import ar_eval\n", research.FailValidation, "ar_eval"},
		{"open", ok + "open('/etc/passwd')\n", research.FailValidation, "open()"},
		{"environment", ok + "import os\nk = os.environ\n", research.FailValidation, "os.environ"},
		{"torch's C engine", ok + "import torch\ne = torch._C._ImperativeEngine()\n", research.FailValidation, "torch._C"},
		{"autograd engine", ok + "from torch.autograd.variable import Variable\nVariable._execution_engine = None\n", research.FailValidation, "_execution_engine"},
		{"from os import fork", ok + "from os import fork\n", research.FailValidation, "os.fork"},
		{"posix_spawn", ok + "import os\nos.posix_spawn('/usr/bin/python3', [], {})\n", research.FailValidation, "os.posix_spawn"},
		{"own cores", ok + "import os\nos.sched_setaffinity(0, {0, 1})\n", research.FailValidation, "os.sched_setaffinity"},
		{"close the events pipe", ok + "import os\nos.close(3)\n", research.FailValidation, "os.close"},
		{"harness internals", ok + "H._counted = None\n", research.FailValidation, "the harness's internals"},
		{"closure cells", ok + "c = H.steps.__closure__\n", research.FailValidation, "__closure__"},
		{"import torch._C", ok + "import torch._C\n", research.FailValidation, "torch._C"},
		{"rebind os.write", ok + "import os\nos.write = print\n", research.FailValidation, "assigns to os.write"},
		{"rebind in a tuple", ok + "import os\na, os._exit = 1, print\n", research.FailValidation, "assigns to os._exit"},
		{"a torch setting", ok + "torch.backends.cudnn.benchmark = True\nd = {}\nd[torch.float32] = 1\n", "", ""},
		{"harness under another name", ok + "import harness as h\nh._counted = None\n", research.FailValidation, "the harness's internals"},
		{"run_backward", ok + "import torch\nf = torch.autograd.Variable._execution_engine.run_backward\n", research.FailValidation, "run_backward"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := v.Validate(context.Background(), c.code)
			if c.kind == "" {
				if err != nil {
					t.Fatalf("rejected a valid script: %v", err)
				}
				return
			}
			var rej *research.Rejection
			if !errors.As(err, &rej) || rej.Kind != c.kind || !strings.Contains(rej.Reason, c.reason) {
				t.Fatalf("got %v, want %s mentioning %q", err, c.kind, c.reason)
			}
		})
	}
}

func TestBaselinesPass(t *testing.T) {
	v := Validator{Env: testutil.Env(t)}
	list, err := task.BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range list {
		if err := v.Validate(context.Background(), tk.Baseline); err != nil {
			t.Errorf("%s baseline rejected: %v", tk.Name, err)
		}
	}
}

// BenchmarkValidate measures one check of the shakespeare baseline
// (a Python start-up plus a parse); see docs/BENCHMARKS.md.
func BenchmarkValidate(b *testing.B) {
	v := Validator{Env: testutil.Env(b)}
	tk, err := task.Load("shakespeare", "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := v.Validate(context.Background(), tk.Baseline); err != nil {
			b.Fatal(err)
		}
	}
}
