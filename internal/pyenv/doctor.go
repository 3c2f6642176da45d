package pyenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"time"
)

// Info is what the doctor probe reports about an interpreter.
type Info struct {
	Python     string   `json:"python"`
	Executable string   `json:"executable"`
	Numpy      string   `json:"numpy"`
	Torch      string   `json:"torch"`
	TorchError string   `json:"torch_error"`
	CUDA       bool     `json:"cuda"`
	CUDADevice string   `json:"cuda_device"`
	MPS        bool     `json:"mps"`
	GFLOPS     float64  `json:"gflops_1thread"`
	BLASLibs   []string `json:"blas_libs"`
	Seal       bool     `json:"seal"`       // the evaluator can seal its model process
	SealError  string   `json:"seal_error"` // why not
	// Optuna's version, with cmaes and scikit-learn also importable (the
	// model-based proposers); OptunaError says why not.
	Optuna      string `json:"optuna"`
	OptunaError string `json:"optuna_error"`
}

// Device names the device the harness will pick.
func (i Info) Device() string {
	switch {
	case i.CUDA:
		return "cuda (" + i.CUDADevice + ")"
	case i.MPS:
		return "mps"
	}
	return "cpu"
}

// Probe imports torch in the interpreter and reports versions, device and
// the BLAS library in use.
func (e *Env) Probe(ctx context.Context) (Info, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.Python, e.Script("ar_doctor.py"))
	cmd.Env = e.ChildEnv()
	out, err := cmd.Output()
	if err != nil {
		return Info{}, fmt.Errorf("probe %s: %w", e.Python, err)
	}
	var info Info
	if err := json.Unmarshal(out, &info); err != nil {
		return Info{}, fmt.Errorf("probe %s: unreadable answer: %w", e.Python, err)
	}
	return info, nil
}
