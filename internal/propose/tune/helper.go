package tune

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/autoresearch/autoresearch/internal/pyenv"
	"github.com/autoresearch/autoresearch/internal/research"
)

// callTimeout bounds one answer of the helper: an ask takes milliseconds
// to a second; an importance over hundreds of points, a few seconds.
const callTimeout = 2 * time.Minute

// helper is one ar_optuna.py process: a study, asked and told over its
// stdin and stdout, one JSON object per line each way.
type helper struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	outFile *os.File // out's end of the pipe, closed by close
	stderr  *tailBuffer
	done    chan struct{} // closed when the process has exited
}

// startHelper starts the helper with the harness's interpreter and its
// scrubbed environment (no API key reaches it); it is killed when ctx
// ends. A background helper runs in a session of its own at the lowest
// CPU priority, which it takes before importing anything.
func startHelper(ctx context.Context, env *pyenv.Env, background bool) (*helper, error) {
	args := []string{"-I", env.Script("ar_optuna.py")}
	if background {
		args = append(args, "--background")
	}
	cmd := exec.CommandContext(ctx, env.Python, args...) //nolint:gosec // G204: our own helper, by the interpreter the loop checked
	cmd.Env = env.ChildEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: background}
	h := &helper{cmd: cmd, stderr: &tailBuffer{max: 4096}, done: make(chan struct{})}
	cmd.Stderr = h.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// A pipe of our own, not StdoutPipe: Wait, which runs beside the
	// reads to notice the end, must not close what they read from.
	out, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = w
	err = cmd.Start()
	_ = w.Close()
	if err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("starting the optimiser (%s): %w", env.Python, err)
	}
	h.in, h.out, h.outFile = in, bufio.NewReaderSize(out, 1<<16), out
	go func() { _ = cmd.Wait(); close(h.done) }()
	return h, nil
}

// call sends req and decodes the answer into answer. A helper that does
// not answer within callTimeout, or before ctx ends, is killed: the
// proposer starts another at its next proposal.
func (h *helper) call(ctx context.Context, req, answer any) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { _ = h.cmd.Process.Kill() })
	defer stop()
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := h.in.Write(append(line, '\n')); err != nil {
		return h.died(ctx, err)
	}
	reply, err := h.out.ReadBytes('\n')
	if err != nil {
		return h.died(ctx, err)
	}
	var status struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(reply, &status); err != nil {
		return fmt.Errorf("the optimiser answered %q: %w", research.Clip(string(reply), 200), err)
	}
	if !status.OK {
		return &answerError{status.Error}
	}
	return json.Unmarshal(reply, answer)
}

// died says why the helper stopped answering, with the tail of what it
// printed (an import error names the missing package).
func (h *helper) died(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("the optimiser did not answer: %w", ctx.Err())
	}
	select {
	case <-h.done:
	case <-time.After(time.Second):
	}
	msg := strings.TrimSpace(h.stderr.String())
	if strings.Contains(msg, "No module named 'optuna'") || strings.Contains(msg, "No module named 'cmaes'") {
		msg += "\ninstall Optuna for the interpreter that runs the training scripts (Debian: apt-get install python3-optuna python3-cmaes python3-sklearn)"
	}
	return fmt.Errorf("the optimiser stopped (%w): %s", err, msg)
}

// close ends the helper: end of input, then a kill if it lingers.
func (h *helper) close() {
	_ = h.in.Close()
	select {
	case <-h.done:
	case <-time.After(5 * time.Second):
		_ = h.cmd.Process.Kill()
		<-h.done
	}
	_ = h.outFile.Close()
}

// answerError is a request the helper refused: it is alive and its study
// goes on.
type answerError struct{ msg string }

func (e *answerError) Error() string { return "the optimiser: " + e.msg }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
