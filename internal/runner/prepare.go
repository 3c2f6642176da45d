package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/task"
)

// Splits are the prepared data files of a task.
type Splits struct {
	Train, Val, Test string
}

func splitsIn(dir string) Splits {
	return Splits{
		Train: filepath.Join(dir, "train.pt"),
		Val:   filepath.Join(dir, "val.pt"),
		Test:  filepath.Join(dir, "test.pt"),
	}
}

// ErrPrepare is returned when a task's data preparation fails.
var ErrPrepare = errors.New("data preparation failed")

// PreparedDir is where t's prepared splits live under the cache root.
func PreparedDir(cacheRoot string, t *task.Task) (string, error) {
	key, err := t.Key()
	if err != nil {
		return "", err
	}
	return filepath.Join(cacheRoot, "prepared", t.Name+"-"+key), nil
}

// HiddenPaths lists what the sandbox keeps out of sight even under a
// folder it shows: every place res would look for the raw data of each
// of tasks (and the files it finds), the cache's data and prepared
// splits, the database's files, and this program's own executable (it
// carries tiny Shakespeare, held-out part included).
func HiddenPaths(res *task.Resolver, tasks []*task.Task, cacheRoot, db string) []string {
	out := []string{filepath.Join(cacheRoot, "data"), filepath.Join(cacheRoot, "prepared")}
	if exe, err := os.Executable(); err == nil {
		out = append(out, exe)
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			out = append(out, real)
		}
	}
	if abs, err := filepath.Abs(db); err == nil && db != "" {
		out = append(out, abs, abs+"-wal", abs+"-shm")
	}
	for _, t := range tasks {
		out = append(out, res.Places(t)...)
	}
	return out
}

// IsPrepared reports whether t's splits are already prepared.
func IsPrepared(cacheRoot string, t *task.Task) bool {
	dir, err := PreparedDir(cacheRoot, t)
	return err == nil && fileExists(filepath.Join(dir, ".complete"))
}

// Prepare returns t's splits, running its prepare.py once on the verified
// raw files when they are not prepared yet.
func Prepare(ctx context.Context, env *pyenv.Env, t *task.Task, taskDir, cacheRoot string, res *task.Resolver) (Splits, error) {
	dir, err := PreparedDir(cacheRoot, t)
	if err != nil {
		return Splits{}, err
	}
	if fileExists(filepath.Join(dir, ".complete")) {
		return splitsIn(dir), nil
	}
	raw, err := res.Fetch(ctx, t)
	if err != nil {
		return Splits{}, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return Splits{}, fmt.Errorf("%w: %w", ErrPrepare, err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), t.Name+".tmp-")
	if err != nil {
		return Splits{}, fmt.Errorf("%w: %w", ErrPrepare, err)
	}
	defer os.RemoveAll(tmp)
	if err := runPrepare(ctx, env, taskDir, tmp, raw); err != nil {
		return Splits{}, err
	}
	return install(tmp, dir)
}

func runPrepare(ctx context.Context, env *pyenv.Env, taskDir, out string, raw map[string]string) error {
	args := []string{env.Python, env.Script("ar_prepare.py"), taskDir, out}
	for name, path := range raw {
		args = append(args, name+"="+path)
	}
	res, err := sandbox.Run(ctx, sandbox.Spec{Args: args, Dir: out, Env: env.ChildEnv(), Timeout: 30 * time.Minute})
	if err != nil {
		return err
	}
	if res.ExitCode != 0 || res.TimedOut {
		return fmt.Errorf("%w (exit %d): %s", ErrPrepare, res.ExitCode, Excerpt(res.Output))
	}
	s := splitsIn(out)
	for _, p := range []string{s.Train, s.Val, s.Test} {
		if !fileExists(p) {
			return fmt.Errorf("%w: prepare.py wrote no %s", ErrPrepare, filepath.Base(p))
		}
	}
	return nil
}

func install(tmp, dir string) (Splits, error) {
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		return Splits{}, fmt.Errorf("%w: %w", ErrPrepare, err)
	}
	if err := os.Rename(tmp, dir); err != nil && !fileExists(filepath.Join(dir, ".complete")) {
		return Splits{}, fmt.Errorf("%w: %w", ErrPrepare, err)
	}
	return splitsIn(dir), nil
}
