package slurm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/autoresearch/autoresearch/internal/sandbox"
)

// ErrCluster marks trouble with the cluster itself: a Slurm command not
// found, a controller that does not answer, a partition that does not
// exist, a work directory the nodes cannot share.
var ErrCluster = errors.New("slurm")

// commandTimeout bounds one Slurm command: a controller that hangs is a
// controller that is down.
const commandTimeout = 30 * time.Second

// run runs a Slurm command (sbatch, scontrol, scancel, sinfo) with the
// caller's environment less its secrets (sandbox.IsSecret: sbatch hands
// its environment to the job) and returns its standard output.
func run(ctx context.Context, name string, args ...string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: %s not found: install Slurm's client commands (Debian: slurm-client) or load its module", ErrCluster, name)
	}
	ctx, cancel := context.WithTimeout(ctx, commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = publicEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("%w: %s did not answer in %s: is the controller up (scontrol ping)?", ErrCluster, name, commandTimeout)
		}
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = err.Error()
		}
		return out.String(), &cmdError{name: name, msg: msg, err: err}
	}
	return out.String(), nil
}

// cmdError is a Slurm command that ran and failed.
type cmdError struct {
	name, msg string
	err       error
}

// Error says which command failed and what it said.
func (e *cmdError) Error() string { return fmt.Sprintf("%s: %s", e.name, e.msg) }

// Unwrap makes every command error an ErrCluster.
func (e *cmdError) Unwrap() []error {
	return []error{ErrCluster, e.err}
}

// publicEnv is this process's environment without secrets.
func publicEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !sandbox.IsSecret(name) {
			out = append(out, kv)
		}
	}
	return out
}
