package sandbox_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestBoundedBuffer(t *testing.T) {
	cases := []struct {
		limit  int
		writes []string
		want   string
	}{
		{100, []string{"hello ", "world"}, "hello world"},
		{8, []string{"ab", "cdefgh"}, "abcdefgh"},
		{8, []string{"0123456789"}, "01\n[... 2 bytes of output dropped ...]\n456789"},
		{8, []string{"01", "2345", "6789", "XY"}, "01\n[... 4 bytes of output dropped ...]\n6789XY"},
	}
	for _, c := range cases {
		b := sandbox.NewBoundedBuffer(c.limit)
		for _, w := range c.writes {
			if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		if got := b.String(); got != c.want {
			t.Errorf("limit %d writes %q: got %q, want %q", c.limit, c.writes, got, c.want)
		}
	}
}

func TestRunExitCodeOutputAndEvents(t *testing.T) {
	var mu sync.Mutex
	var events []string
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		Args:    []string{"sh", "-c", `echo out; echo err >&2; echo '{"a":1}' >&3; echo second >&3; exit 7`},
		Env:     sandbox.Env(),
		OnEvent: func(l []byte) { mu.Lock(); events = append(events, string(l)); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || res.TimedOut {
		t.Fatalf("exit %d timedOut %v", res.ExitCode, res.TimedOut)
	}
	if !strings.Contains(res.Output, "out") || !strings.Contains(res.Output, "err") {
		t.Errorf("output %q lacks stdout or stderr", res.Output)
	}
	if strings.Join(events, "|") != `{"a":1}|second` {
		t.Errorf("events = %q", events)
	}
}

func TestRunTimeoutKillsProcessGroup(t *testing.T) {
	start := time.Now()
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		Args:    []string{"sh", "-c", "sleep 931.5 & sleep 931.5; wait"},
		Env:     sandbox.Env(),
		Timeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Signal != "killed" {
		t.Fatalf("timedOut %v signal %q", res.TimedOut, res.Signal)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	if pids := testutil.ProcessesMatching("931.5"); len(pids) > 0 {
		t.Fatalf("left running: %v", pids)
	}
}

func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := sandbox.Run(ctx, sandbox.Spec{Args: []string{"sh", "-c", "sleep 932.5 & wait"}, Env: sandbox.Env()})
	if err == nil {
		t.Fatal("want ctx's error")
	}
	if pids := testutil.ProcessesMatching("932.5"); len(pids) > 0 {
		t.Fatalf("left running: %v", pids)
	}
}

func TestRunStartFailure(t *testing.T) {
	if _, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"/no/such/binary"}}); err == nil {
		t.Fatal("want an error for a missing binary")
	}
}

func TestEnvScrubsSecrets(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-canary")
	t.Setenv("GITHUB_TOKEN", "canary")
	t.Setenv("SOME_UNLISTED_VAR", "x")
	env := strings.Join(sandbox.Env("EXTRA=1", "OPENAI_API_KEY=sk-2", "AWS_SECRET_ACCESS_KEY=k"), "\n")
	for _, bad := range []string{"ANTHROPIC_API_KEY", "GITHUB_TOKEN", "SOME_UNLISTED_VAR", "OPENAI_API_KEY", "AWS_SECRET"} {
		if strings.Contains(env, bad) {
			t.Errorf("env passes %s:\n%s", bad, env)
		}
	}
	if !strings.Contains(env, "EXTRA=1") || !strings.Contains(env, "PATH=") {
		t.Errorf("env lost allowed variables:\n%s", env)
	}
}

func TestMain(m *testing.M) { testutil.Main(m) }
