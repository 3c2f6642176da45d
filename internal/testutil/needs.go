package testutil

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testdeps"
)

// Dep is something from the machine that tests of the heavy tier need;
// it is checked once per test binary.
type Dep struct {
	name  string
	check func() error
}

// What the heavy tier needs.
var (
	// Torch: a Python that imports torch and numpy.
	Torch = dep("Python with PyTorch and NumPy", func() error {
		_, err := pyenv.New(context.Background(), "")
		return err
	})
	// Bubblewrap: full isolation (bubblewrap with working namespaces).
	Bubblewrap = dep("full isolation (bubblewrap)", func() error {
		if c := sandbox.Detect(context.Background()); c.Best != sandbox.LevelFull {
			return fmt.Errorf("isolation here is %s: %s", c.Best, c.Reason)
		}
		return nil
	})
	// Namespaces: at least partial isolation (network and PID namespaces).
	Namespaces = dep("Linux network and PID namespaces (partial isolation)", func() error {
		if c := sandbox.Detect(context.Background()); c.Best == sandbox.LevelNone {
			return errors.New(c.Reason)
		}
		return nil
	})
	// Optuna: the torch Python also imports Optuna, cmaes and scikit-learn
	// (the model-based proposers' helper and its importance).
	Optuna = dep("Python with Optuna, cmaes and scikit-learn", func() error {
		env, err := pyenv.New(context.Background(), "")
		if err != nil {
			return err
		}
		out, err := exec.Command(env.Python, "-c", "import optuna, cmaes, sklearn").CombinedOutput() //nolint:gosec // G204: the interpreter found
		if err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	})
	// FashionMNIST: Debian's dataset-fashion-mnist.
	FashionMNIST = dep("Debian's Fashion-MNIST (dataset-fashion-mnist)", func() error {
		t, err := task.Load("fashion-mnist", "")
		if err != nil {
			return err
		}
		if _, missing := (&task.Resolver{}).Locate(t); len(missing) > 0 {
			return fmt.Errorf("not in %s", strings.Join(t.Data.LocalDirs, ", "))
		}
		return nil
	})
)

// Runs is what running an experiment under the default isolation needs.
var Runs = []*Dep{Torch, Bubblewrap}

// ByName names each Dep for test scripts' conditions.
var ByName = map[string]*Dep{"torch": Torch, "bwrap": Bubblewrap, "fashion-mnist": FashionMNIST, "optuna": Optuna}

// Check returns why d is missing, or nil.
func (d *Dep) Check() error {
	if err := d.check(); err != nil {
		return fmt.Errorf("%s: %w", d.name, err)
	}
	return nil
}

func dep(name string, check func() error) *Dep {
	return &Dep{name: name, check: sync.OnceValue(check)}
}

// Need skips t, naming each of deps that is missing, or fails it when
// skips are disallowed (see testdeps).
func Need(t testing.TB, deps ...*Dep) {
	t.Helper()
	var names []string
	var errs []error
	for _, d := range deps {
		if err := d.check(); err != nil {
			names = append(names, d.name)
			errs = append(errs, err)
		}
	}
	switch len(names) {
	case 0:
	case 1:
		testdeps.Missing(t, names[0], errs[0])
	default:
		for i := range errs {
			errs[i] = fmt.Errorf("%s: %w", names[i], errs[i])
		}
		testdeps.Missing(t, strings.Join(names, " and "), errors.Join(errs...))
	}
}
