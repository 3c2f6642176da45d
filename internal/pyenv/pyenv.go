// Package pyenv finds the Python interpreter that can import torch, writes
// the embedded harness library where that interpreter can import it, and
// builds the environment every Python child starts with (thread and
// allocator settings measured to matter on CPUs).
package pyenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/python"
)

// EnvPython names the variable that picks the interpreter.
const EnvPython = "AUTORESEARCH_PYTHON"

// ErrNoPython is returned when no interpreter can import torch.
var ErrNoPython = errors.New("no Python with PyTorch")

// Install says how to get PyTorch, for error messages and doctor.
const Install = "install PyTorch (Debian/Ubuntu: apt-get install python3-torch python3-numpy libopenblas0-pthread; " +
	"elsewhere: a virtualenv with pip install torch numpy) or point --python at an interpreter that has it"

// Env is a Python interpreter ready to run the harness.
type Env struct {
	Python string // the interpreter
	LibDir string // the harness library, on PYTHONPATH
}

// candidates lists interpreters to try when none is named.
func candidates() []string {
	out := []string{}
	if p := os.Getenv(EnvPython); p != "" {
		out = append(out, p)
	}
	return append(out, "python3", "/usr/bin/python3", "python")
}

// Find returns the first interpreter that can import torch: explicit when
// set, otherwise $AUTORESEARCH_PYTHON, python3 on PATH, /usr/bin/python3,
// python.
func Find(ctx context.Context, explicit string) (string, error) {
	list := candidates()
	if explicit != "" {
		list = []string{explicit}
	}
	var tried []string
	for _, c := range list {
		path, err := exec.LookPath(c)
		if err != nil {
			tried = append(tried, c+" (not found)")
			continue
		}
		if err := hasTorch(ctx, path); err != nil {
			tried = append(tried, path+" ("+err.Error()+")")
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("%w: tried %s; %s", ErrNoPython, strings.Join(tried, ", "), Install)
}

func hasTorch(ctx context.Context, python string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	code := "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 3)"
	cmd := exec.CommandContext(ctx, python, "-c", code)
	cmd.Env = sandbox.Env()
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			return errors.New("no torch")
		}
		return err
	}
	return nil
}

// New finds the interpreter and writes the harness library to the cache.
func New(ctx context.Context, explicit string) (*Env, error) {
	py, err := Find(ctx, explicit)
	if err != nil {
		return nil, err
	}
	lib, err := cache.Materialize(python.FS, filepath.Join(cache.Dir(), "lib"), "python")
	if err != nil {
		return nil, err
	}
	return &Env{Python: py, LibDir: lib}, nil
}

// Script returns the path of one of the library's entry points.
func (e *Env) Script(name string) string { return filepath.Join(e.LibDir, name) }

// ChildEnv returns the scrubbed environment of a Python child with extra
// variables ("K=V") added.
func (e *Env) ChildEnv(extra ...string) []string {
	threads := strconv.Itoa(runtime.NumCPU())
	base := []string{
		"PYTHONPATH=" + e.LibDir,
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
		"PYTHONNOUSERSITE=1",
		"AUTORESEARCH_THREADS=" + threads,
		"AUTORESEARCH_EVENTS_FD=" + strconv.Itoa(sandbox.EventsFD),
		// Measured on 2-core CPUs: one BLAS thread under torch's own pool
		// and passive OpenMP waiting run 2-4x faster than the defaults;
		// keeping freed memory mapped cut a CNN step from 128 to 35 ms.
		"OPENBLAS_NUM_THREADS=1",
		"OMP_WAIT_POLICY=PASSIVE",
		"MALLOC_MMAP_THRESHOLD_=33554432",
		"MALLOC_TRIM_THRESHOLD_=68719476736",
		"MALLOC_TOP_PAD_=67108864",
	}
	return sandbox.Env(append(base, extra...)...)
}
