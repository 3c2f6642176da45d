// Package sandbox launches an untrusted process: its own process group, a
// scrubbed environment, bounded captured output, a side channel for
// structured events, a hard deadline, and a kill that reaches the whole
// process group (a descendant that leaves it with setsid escapes that
// kill; the PID namespace of partial and full isolation does not let it).
// Stronger isolation (namespaces, Linux only) builds on this.
package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
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
	// (file descriptor EventsFD in the child), at most MaxEventLine bytes,
	// and nil when a line too long to read (1 MiB) ends the reading.
	OnEvent func(line []byte)
	// Isolation confines the process (the zero value: LevelNone, no limits).
	Isolation Isolation
	// Gated: the process starts now but is meant to wait for Go, reading
	// its GoFD (one line, then end of file); Timeout and Result.Started
	// count from Go. Its set-up (say, imports) is then off the clock.
	Gated bool
	// Background: a gated process waits for its Go at the lowest CPU
	// priority, so that its set-up takes only what others leave, and gets
	// its priority back at Go; only where the caller can give it back
	// (as root, or with RLIMIT_NICE), else it runs at the caller's.
	Background bool
}

// EventsFD is the child's file descriptor of the events pipe; GoFD is
// the gate's, in a gated process.
const (
	EventsFD = 3
	GoFD     = 4
)

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
	p, err := Start(ctx, spec)
	if err != nil {
		return Result{}, err
	}
	p.Go(nil)
	return p.Wait()
}

// Proc is a started process. A gated one (Spec.Gated) waits for Go; its
// deadline and its Result's Started count from Go, not from its start.
type Proc struct {
	ctx      context.Context
	spec     Spec
	cmd      *exec.Cmd
	cancel   context.CancelFunc
	timedOut atomic.Bool
	output   *childPipe
	events   *childPipe
	out      *BoundedBuffer
	gate     *os.File // the write end of the child's GoFD (gated only)
	nice     int      // the priority to give back at Go (niced only)
	niced    bool
	once     sync.Once
	mu       sync.Mutex // guards started and timer (Go and Wait may race)
	started  time.Time
	timer    *time.Timer
	waitOnce sync.Once
	res      Result
	err      error
}

// Start starts the process. Unless it is gated, its clock starts now;
// call Go (a no-op's worth for an ungated one) and then Wait.
func Start(ctx context.Context, spec Spec) (*Proc, error) {
	args, attr, err := isolate(ctx, spec)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	p := &Proc{ctx: ctx, spec: spec, cancel: cancel, out: NewBoundedBuffer(spec.OutputLimit)}
	p.cmd = exec.CommandContext(runCtx, args[0], args[1:]...)
	p.cmd.Dir, p.cmd.Env, p.cmd.SysProcAttr = spec.Dir, spec.Env, attr
	p.cmd.Cancel = func() error { return killGroup(p.cmd.Process.Pid) }
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.start(); err != nil {
		cancel()
		return nil, err
	}
	return p, nil
}

// start wires the pipes and starts the command. Output and events travel
// on pipes of our own, so that Wait returns when the process ends, not
// when the last holder of a pipe does.
func (p *Proc) start() error {
	gateR, err := p.pipes()
	if err != nil {
		return err
	}
	p.started = time.Now()
	err = p.cmd.Start()
	if gateR != nil {
		gateR.Close() // the child holds its own copy
	}
	if err != nil {
		p.closePipes()
		return fmt.Errorf("start %s: %w", p.spec.Args[0], err)
	}
	p.output.started()
	p.events.started()
	if p.spec.Background && p.gate != nil && canRestore() {
		p.nice, p.niced = niceOf(p.cmd.Process.Pid), true
		background(p.cmd.Process.Pid, p.spec.Isolation.Level == LevelFull)
	}
	return nil
}

// pipes makes the output and events pipes and, for a gated process, the
// gate (whose read end it returns), and hands the child its ends.
func (p *Proc) pipes() (*os.File, error) {
	var err error
	var gateR *os.File
	p.output, err = newPipe(func(r io.Reader) { _, _ = io.Copy(p.out, r) })
	if err == nil {
		p.events, err = newPipe(readEvents(p.spec.OnEvent))
	}
	if err == nil && p.spec.Gated {
		if gateR, p.gate, err = os.Pipe(); err != nil {
			err = fmt.Errorf("pipe: %w", err)
		}
	}
	if err != nil {
		p.closePipes()
		return nil, err
	}
	files := []*os.File{p.events.w}
	if gateR != nil {
		files = append(files, gateR)
	}
	p.cmd.Stdout, p.cmd.Stderr, p.cmd.ExtraFiles = p.output.w, p.output.w, files
	return gateR, nil
}

// closePipes closes whatever pipes were made, when the process did not start.
func (p *Proc) closePipes() {
	for _, c := range []*childPipe{p.output, p.events} {
		if c != nil {
			c.close()
		}
	}
	if p.gate != nil {
		p.gate.Close()
	}
}

// Go lets a gated process go on, handing it msg (one line on its GoFD,
// then end of file), and starts the deadline. Only the first call counts.
// A process that died meanwhile is found out by Wait.
func (p *Proc) Go(msg []byte) {
	p.once.Do(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.niced {
			foreground(p.cmd.Process.Pid, p.nice)
		}
		if p.gate != nil {
			p.started = time.Now()
			_, _ = p.gate.Write(append(bytes.TrimRight(msg, "\n"), '\n'))
			p.gate.Close()
		}
		if p.spec.Timeout > 0 {
			p.timer = time.AfterFunc(p.spec.Timeout, func() {
				p.timedOut.Store(true)
				p.cancel()
			})
		}
	})
}

// Kill ends the process group now (Wait still reaps it).
func (p *Proc) Kill() { p.cancel() }

// Wait waits for the process to end and says how it ended (see Run).
// Calling it again returns the same.
func (p *Proc) Wait() (Result, error) {
	p.waitOnce.Do(func() { p.res, p.err = p.wait() })
	return p.res, p.err
}

func (p *Proc) wait() (Result, error) {
	defer p.cancel()
	waitErr := p.cmd.Wait()
	ended := time.Now()
	p.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
	}
	res := Result{Started: p.started, Ended: ended}
	p.mu.Unlock()
	_ = killGroup(p.cmd.Process.Pid) // whatever the process left behind in its group
	p.output.wait()
	p.events.wait()
	res.Wall = time.Since(res.Started)
	res.Output = p.out.String()
	res.fill(p.cmd.ProcessState)
	if p.ctx.Err() != nil {
		return res, p.ctx.Err()
	}
	res.TimedOut = p.timedOut.Load()
	if waitErr != nil && p.cmd.ProcessState == nil {
		return res, fmt.Errorf("wait for %s: %w", p.spec.Args[0], waitErr)
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
// bytes, to fn, and nil when a line too long to read ends the reading.
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
		// An over-long line ends scanning: say so with a nil line (the
		// lines after it are lost), and drain so the writer never blocks.
		if errors.Is(sc.Err(), bufio.ErrTooLong) && fn != nil {
			fn(nil)
		}
		_, _ = bufio.NewReader(r).Discard(1 << 62)
	}
}
