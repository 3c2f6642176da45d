package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/autoresearch/autoresearch/internal/propose/tune"
	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/slurm"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

// Exit codes. Each kind of trouble has its own, so scripts can tell them
// apart.
const (
	ExitOK          = 0
	ExitError       = 1   // anything not listed below
	ExitUsage       = 2   // bad flags, arguments or task folder
	ExitData        = 3   // data missing, corrupt, or not preparable
	ExitEnvironment = 4   // no Python with PyTorch (or without Optuna, for --proposer tpe or cmaes)
	ExitDatabase    = 5   // the database cannot be opened, read or written
	ExitFailed      = 6   // the experiment ran and failed; it is recorded
	ExitProvider    = 7   // the model provider refused (bad key, unknown model)
	ExitCluster     = 8   // the cluster cannot take jobs (Slurm's commands missing, controller down, work directory unshared)
	ExitInterrupted = 130 // Ctrl-C or SIGTERM
)

// errUsage marks errors in how the command was called.
var errUsage = errors.New("usage")

func usageErr(err error) error { return fmt.Errorf("%w: %w", errUsage, err) }

// errExperimentFailed marks a recorded experiment that produced no metric.
var errExperimentFailed = errors.New("experiment failed")

// exitCode prints err (if any) and returns its exit code.
func exitCode(ctx context.Context, w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := classify(ctx, err)
	if code == ExitInterrupted {
		fmt.Fprintln(w, "interrupted: stopped every process; what was recorded is kept")
		return code
	}
	fmt.Fprintln(w, "error:", err)
	return code
}

func classify(ctx context.Context, err error) int {
	switch {
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return ExitInterrupted
	case errors.Is(err, errUsage), errors.Is(err, task.ErrUnknownTask), errors.Is(err, task.ErrInvalid),
		errors.Is(err, research.ErrGoalChanged), errors.Is(err, research.ErrBudgetChanged):
		return ExitUsage
	case errors.Is(err, task.ErrDataMissing), errors.Is(err, task.ErrChecksum), errors.Is(err, runner.ErrPrepare):
		return ExitData
	case errors.Is(err, pyenv.ErrNoPython), errors.Is(err, errDoctor), errors.Is(err, sandbox.ErrNotIsolated),
		errors.Is(err, tune.ErrNoOptimiser):
		return ExitEnvironment
	case errors.Is(err, sqlite.ErrOpen):
		return ExitDatabase
	case errors.Is(err, errExperimentFailed):
		return ExitFailed
	case errors.Is(err, research.ErrFatal):
		return ExitProvider
	case errors.Is(err, slurm.ErrCluster):
		return ExitCluster
	}
	return ExitError
}
