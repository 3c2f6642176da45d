// Package sandbox launches an untrusted process: its own process group, a
// scrubbed environment, bounded captured output, a side channel for
// structured events, a hard deadline, and a kill that reaches the whole
// process group (a descendant that leaves it with setsid escapes that
// kill; the PID namespace of partial and full isolation does not let it).
// Stronger isolation (namespaces, Linux only) builds on this.
package sandbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Spec describes one process to run.
type Spec struct {
	Args    []string
	Dir     string
	Env     []string      // the complete environment; build it with Env
	Timeout time.Duration // hard wall-clock limit; 0 means none
	// OutputLimit bounds the captured stdout+stderr kept in memory.
	OutputLimit int
	// OnEvent receives each line the process writes to the events pipe
	// (file descriptor EventsFD in the child), at most MaxEventLine bytes.
	OnEvent func(line []byte)
	// Isolation confines the process (the zero value: LevelNone, no limits).
	Isolation Isolation
}

// EventsFD is the child's file descriptor of the events pipe.
const EventsFD = 3

// MaxEventLine bounds one event line; longer lines are cut.
const MaxEventLine = 8192

// Result is how the process ended.
type Result struct {
	ExitCode int    // -1 when killed by a signal
	Signal   string // the signal that ended it, if any
	TimedOut bool   // killed because Timeout passed
	Output   string // bounded: the head and the tail of stdout+stderr
	Wall     time.Duration
	Started  time.Time // just before the process was started
	Ended    time.Time // when it was reaped: what it left behind is not waited for
}

// Run starts the process and waits for it. It returns an error only when
// the process could not be started or ctx was cancelled (the process group
// is killed first in both cases); a non-zero exit is a Result.
func Run(ctx context.Context, spec Spec) (Result, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if spec.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(runCtx, spec.Timeout)
		defer cancel()
	}
	out := NewBoundedBuffer(spec.OutputLimit)
	args, attr, err := isolate(ctx, spec)
	if err != nil {
		return Result{}, err
	}
	cmd := exec.CommandContext(runCtx, args[0], args[1:]...)
	cmd.Dir, cmd.Env = spec.Dir, spec.Env
	cmd.SysProcAttr = attr
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 2 * time.Second
	// Output and events travel on pipes of our own, so that Wait returns
	// when the process ends, not when the last holder of a pipe does.
	output, err := newPipe(func(r io.Reader) { _, _ = io.Copy(out, r) })
	if err != nil {
		return Result{}, err
	}
	events, err := newPipe(readEvents(spec.OnEvent))
	if err != nil {
		output.close()
		return Result{}, err
	}
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = output.w, output.w, []*os.File{events.w}
	res := Result{Started: time.Now()}
	if err := cmd.Start(); err != nil {
		output.close()
		events.close()
		return res, fmt.Errorf("start %s: %w", spec.Args[0], err)
	}
	output.started()
	events.started()
	waitErr := cmd.Wait()
	res.Ended = time.Now()
	_ = killGroup(cmd.Process.Pid) // whatever the process left behind in its group
	output.wait()
	events.wait()
	res.Wall = time.Since(res.Started)
	res.Output = out.String()
	res.fill(cmd.ProcessState)
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	res.TimedOut = runCtx.Err() != nil
	if waitErr != nil && cmd.ProcessState == nil {
		return res, fmt.Errorf("wait for %s: %w", spec.Args[0], waitErr)
	}
	return res, nil
}

func (r *Result) fill(ps *os.ProcessState) {
	if ps == nil {
		r.ExitCode = -1
		return
	}
	r.ExitCode = ps.ExitCode()
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.Signal = ws.Signal().String()
	}
}

func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// childPipe carries what a child writes on one of its descriptors to a
// consumer running in its own goroutine.
type childPipe struct {
	r, w    *os.File
	done    chan struct{}
	consume func(io.Reader)
}

func newPipe(consume func(io.Reader)) (*childPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pipe: %w", err)
	}
	return &childPipe{r: r, w: w, done: make(chan struct{}), consume: consume}, nil
}

func (p *childPipe) started() {
	p.w.Close() // the child holds its own copy
	go func() {
		defer close(p.done)
		p.consume(p.r)
	}()
}

// wait returns once everything written has been consumed, or after a
// grace period when a stray descendant still holds the pipe open.
func (p *childPipe) wait() {
	select {
	case <-p.done:
	case <-time.After(2 * time.Second):
	}
	p.r.Close()
}

func (p *childPipe) close() {
	p.r.Close()
	p.w.Close()
}

// readEvents passes each line of the events pipe, cut at MaxEventLine
// bytes, to fn.
func readEvents(fn func([]byte)) func(io.Reader) {
	return func(r io.Reader) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 4096), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			if len(line) > MaxEventLine {
				line = line[:MaxEventLine]
			}
			if fn != nil {
				fn(line)
			}
		}
		// An over-long line ends scanning: drain so the writer never blocks.
		_, _ = bufio.NewReader(r).Discard(1 << 62)
	}
}
