package pyenv

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/testdeps"
)

func TestMain(m *testing.M) {
	dir, _ := os.MkdirTemp("", "pyenv-test-")
	os.Setenv("AUTORESEARCH_CACHE_DIR", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestFindExplicitMissing(t *testing.T) {
	_, err := Find(context.Background(), "/no/such/python3")
	if !errors.Is(err, ErrNoPython) || !strings.Contains(err.Error(), "apt-get install python3-torch") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindRejectsPythonWithoutTorch(t *testing.T) {
	_, err := Find(context.Background(), "sh") // runs, but is no Python with torch
	if !errors.Is(err, ErrNoPython) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewProbeAndChildEnv(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-canary")
	env, err := New(context.Background(), "")
	if err != nil {
		testdeps.Missing(t, "Python with PyTorch and NumPy", err)
	}
	if _, err := os.Stat(env.Script("harness.py")); err != nil {
		t.Fatalf("harness not installed: %v", err)
	}
	info, err := env.Probe(context.Background())
	if err != nil || info.Torch == "" || info.Device() == "" {
		t.Fatalf("probe: %+v, %v", info, err)
	}
	ce := strings.Join(env.ChildEnv("AUTORESEARCH_SEED=1"), "\n")
	for _, want := range []string{"PYTHONPATH=" + env.LibDir, "OPENBLAS_NUM_THREADS=1", "AUTORESEARCH_SEED=1"} {
		if !strings.Contains(ce, want) {
			t.Errorf("child env lacks %s", want)
		}
	}
	if strings.Contains(ce, "sk-canary") {
		t.Error("child env carries an API key")
	}
}
