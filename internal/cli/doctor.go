package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/slurm"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/task"
)

// errDoctor is returned when a check that blocks every run fails.
var errDoctor = errors.New("doctor found problems")

// check is one line of the doctor's report.
type check struct {
	level string // OK, WARN (some things will not work) or FAIL (nothing will)
	name  string
	text  string
}

func newDoctorCmd(s Streams, g *globalOpts) *cobra.Command {
	x := execOpts{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check Python, PyTorch, device, data, sandbox, database, API keys and, with --executor slurm, the cluster",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := x.validate(); err != nil {
				return err
			}
			checks := append(runDoctor(cmd.Context(), g, s), clusterChecks(cmd.Context(), x)...)
			failed := 0
			for _, c := range checks {
				fmt.Fprintf(s.Out, "%-4s  %-14s %s\n", c.level, c.name, sanitize(c.text, false))
				if c.level == "FAIL" {
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%w: %d check(s) failed; fix them as shown", errDoctor, failed)
			}
			return nil
		},
	}
	envFlags(cmd, g)
	execFlags(cmd, &x)
	return cmd
}

// clusterChecks checks the executor's cluster (none for local).
func clusterChecks(ctx context.Context, x execOpts) []check {
	if x.Executor != "slurm" {
		return nil
	}
	var out []check
	for _, f := range slurm.Check(ctx, x.slurmOptions(), doctorJobWait) {
		out = append(out, check{f.Level, f.Name, f.Text})
	}
	return out
}

// doctorJobWait is how long doctor waits for its test job to run.
const doctorJobWait = time.Minute

func runDoctor(ctx context.Context, g *globalOpts, s Streams) []check {
	checks := pythonChecks(ctx, g)
	checks = append(checks, dataChecks(g, s)...)
	checks = append(checks, sandboxCheck(ctx), dbCheck(ctx, g))
	return append(checks, keyChecks()...)
}

func pythonChecks(ctx context.Context, g *globalOpts) []check {
	env, err := pyenv.New(ctx, g.Python)
	if err != nil {
		return []check{{"FAIL", "python", err.Error()}}
	}
	info, err := env.Probe(ctx)
	if err != nil || info.Torch == "" {
		return []check{{"FAIL", "python", fmt.Sprintf("%s cannot import torch (%v %s): %s", env.Python, err, info.TorchError, pyenv.Install)}}
	}
	out := []check{{"OK", "python", fmt.Sprintf("%s (Python %s, torch %s, numpy %s)", env.Python, info.Python, info.Torch, info.Numpy)}}
	out = append(out, blasCheck(info), check{"OK", "device", info.Device()}, sealCheck(ctx, info), optunaCheck(info))
	return out
}

// optunaCheck says whether the model-based proposers can run; only they
// need Optuna, so its absence is a warning.
func optunaCheck(info pyenv.Info) check {
	if info.Optuna != "" {
		return check{"OK", "optuna", "Optuna " + info.Optuna + ", for --proposer tpe and cmaes"}
	}
	return check{"WARN", "optuna", "--proposer tpe and cmaes need Optuna, cmaes and scikit-learn (" + info.OptunaError +
		"): Debian: apt-get install python3-optuna python3-cmaes python3-sklearn"}
}

// sealCheck says whether the evaluator can seal the model's process; where
// full isolation is available it must, or every seed fails.
func sealCheck(ctx context.Context, info pyenv.Info) check {
	if info.Seal {
		return check{"OK", "seal", "the exported model is evaluated in a process that cannot open files or sockets, " +
			"start programs or read other processes (seccomp)"}
	}
	level := "WARN"
	if sandbox.Detect(ctx).Best == sandbox.LevelFull {
		level = "FAIL"
	}
	return check{level, "seal", "the model's process cannot be sealed here (" + info.SealError + "): " +
		"under full isolation every seed would fail; results elsewhere are unsealed"}
}

func blasCheck(info pyenv.Info) check {
	libs := strings.Join(info.BLASLibs, ", ")
	text := fmt.Sprintf("%.0f GFLOP/s on one thread (%s)", info.GFLOPS, libs)
	if info.CUDA || info.GFLOPS >= 20 {
		return check{"OK", "blas", text}
	}
	return check{"WARN", "blas", text + ": reference BLAS is ~60x slower; install an optimised one (Debian: apt-get install libopenblas0-pthread)"}
}

func dataChecks(g *globalOpts, s Streams) []check {
	list, err := task.BuiltIn()
	if err != nil {
		return []check{{"FAIL", "tasks", err.Error()}}
	}
	var out []check
	for _, t := range list {
		st := dataStatus(g, s, t)
		level := "OK"
		if !strings.HasPrefix(st, "prepared") && !strings.HasPrefix(st, "present") {
			level = "WARN"
			st += fmt.Sprintf(": will download from %s, or pass --data-dir (or $%s) with %s/", t.Data.Files[0].URL, task.EnvDataDir, t.Data.Dir)
		}
		out = append(out, check{level, "data " + t.Name, st})
	}
	return out
}

func sandboxCheck(ctx context.Context) check {
	c := sandbox.Detect(ctx)
	switch c.Best {
	case sandbox.LevelFull:
		return check{"OK", "isolation", "full (bubblewrap " + c.Bwrap + "): no network, own PID namespace, a read-only " +
			"allow-list of the interpreter and its libraries (no data sets, caches, data folders or databases), " +
			"writable only the workspace and a private /tmp, training split only, no capabilities" + asUser() +
			", limits on file size, open files, processes and (CPU runs) memory, scrubbed environment"}
	case sandbox.LevelPartial:
		return check{"WARN", "isolation", "partial (network and PID namespaces only): no file-system view, so scripts can read " +
			"your files, held-out data included, and results are marked unsealed: " + c.Reason}
	}
	return check{"WARN", "isolation", "none (own process group, scrubbed environment, limits): results are marked unsealed: " + c.Reason}
}

func asUser() string {
	if os.Getuid() == 0 {
		return ", runs as user nobody"
	}
	return ""
}

func dbCheck(ctx context.Context, g *globalOpts) check {
	existed := fileExists(g.DB)
	db, err := sqlite.Open(ctx, g.DB)
	if err == nil {
		err = errors.Join(db.Check(ctx), db.Close())
	}
	if !existed {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(g.DB + suffix)
		}
	}
	if err != nil {
		return check{"FAIL", "database", fmt.Sprintf("%s: %v", g.DB, err)}
	}
	abs, _ := filepath.Abs(g.DB)
	return check{"OK", "database", abs + " is writable"}
}

func keyChecks() []check {
	var out []check
	for _, k := range []string{"ANTHROPIC_API_KEY", "OPENAI_API_KEY"} {
		if os.Getenv(k) != "" {
			out = append(out, check{"OK", strings.ToLower(strings.TrimSuffix(k, "_API_KEY")), k + " is set (never passed to training scripts)"})
		} else {
			out = append(out, check{"OK", strings.ToLower(strings.TrimSuffix(k, "_API_KEY")), k + " not set: the offline search proposer needs none"})
		}
	}
	return out
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
