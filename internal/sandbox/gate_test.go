package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// A gated process reads its go on GoFD; its clock and deadline start there,
// not at its start.
func TestGatedProcessStartsItsClockAtGo(t *testing.T) {
	for _, level := range []sandbox.Level{sandbox.LevelNone, sandbox.LevelPartial, sandbox.LevelFull} {
		t.Run(string(level), func(t *testing.T) {
			needLevel(t, level)
			ws := t.TempDir()
			p, err := sandbox.Start(context.Background(), sandbox.Spec{
				Args:      []string{"sh", "-c", `read -r line <&4; echo "got $line"; sleep 0.3`},
				Dir:       ws,
				Env:       sandbox.Env(),
				Timeout:   2 * time.Second,
				Gated:     true,
				Isolation: sandbox.Isolation{Level: level, View: shell(ws)},
			})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2500 * time.Millisecond) // longer than the timeout: it has not started yet
			before := time.Now()
			p.Go([]byte(`{"seed": 7}`))
			res, err := p.Wait()
			if err != nil {
				t.Fatal(err)
			}
			if res.TimedOut || res.ExitCode != 0 || !strings.Contains(res.Output, `got {"seed": 7}`) {
				t.Fatalf("timed out %v, exit %d, output %q", res.TimedOut, res.ExitCode, res.Output)
			}
			if res.Started.Before(before) || res.Wall > 2*time.Second || res.Wall < 300*time.Millisecond {
				t.Fatalf("clock from %v (go at %v), wall %v: want it from the go", res.Started, before, res.Wall)
			}
		})
	}
}

// The deadline counts from the go.
func TestGatedProcessDeadlineFromGo(t *testing.T) {
	p, err := sandbox.Start(context.Background(), sandbox.Spec{
		Args: []string{"sh", "-c", `read -r line <&4; sleep 30`}, Env: sandbox.Env(), Timeout: 300 * time.Millisecond, Gated: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(nil)
	res, err := p.Wait()
	if err != nil || !res.TimedOut || res.Wall > 5*time.Second {
		t.Fatalf("err %v, timed out %v after %v: want killed at the deadline", err, res.TimedOut, res.Wall)
	}
}

// A gated process dropped before its go is killed with its group, and
// the gate closed without a word reads as end of file.
func TestGatedProcessKilledBeforeGo(t *testing.T) {
	marker := fmt.Sprintf("30.%d", time.Now().UnixNano()%1e9)
	p, err := sandbox.Start(context.Background(), sandbox.Spec{
		Args: []string{"sh", "-c", "sleep " + marker + " & read -r line <&4; sleep 30"}, Env: sandbox.Env(), Gated: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	res, err := p.Wait()
	if err != nil || res.Signal != "killed" || res.Wall > 5*time.Second {
		t.Fatalf("err %v, signal %q, wall %v: want it killed at once", err, res.Signal, res.Wall)
	}
	if left := testutil.ProcessesMatching(marker); len(left) > 0 {
		t.Fatalf("%v outlived the kill", left)
	}
	again, _ := p.Wait()
	if again.Ended != res.Ended {
		t.Fatal("a second Wait must report the same end")
	}
}

// A background process waits for its go at the lowest priority and gets
// the caller's back at the go (as root; elsewhere it keeps the caller's
// throughout), every process of its sandbox included.
func TestBackgroundProcessGetsItsPriorityBackAtGo(t *testing.T) {
	want := "19 0"
	if os.Geteuid() != 0 {
		want = "0 0"
	}
	for _, level := range []sandbox.Level{sandbox.LevelNone, sandbox.LevelFull} {
		t.Run(string(level), func(t *testing.T) {
			needLevel(t, level)
			got := aroundGo(t, level, `sh -c 'set -- $(cut -d")" -f2 /proc/self/stat); echo ${17}'`)
			if got != want {
				t.Fatalf("nice before and after the go: %q, want %q", got, want)
			}
		})
	}
}

// Where the kernel shares the CPU between sessions first (autogroups), a
// background process under full isolation (a session of its own) waits
// with its session at the lowest share and gets the caller's back at the
// go: its own nice value alone would count only within its session.
func TestBackgroundSessionGetsItsShareBackAtGo(t *testing.T) {
	needLevel(t, sandbox.LevelFull)
	if b, _ := os.ReadFile("/proc/sys/kernel/sched_autogroup_enabled"); strings.TrimSpace(string(b)) != "1" || os.Geteuid() != 0 {
		t.Skip("needs autogroups (sched_autogroup_enabled) and root to give a session its share back")
	}
	// A process in the root group (no session of its own, as under some
	// CI runners) reads nothing here: its sessions get nice 0 back.
	own, _ := os.ReadFile("/proc/self/autogroup")
	want := "19 0"
	if f := strings.Fields(string(own)); len(f) == 3 {
		want = "19 " + f[2]
	}
	if got := aroundGo(t, sandbox.LevelFull, `cut -d" " -f3 /proc/self/autogroup`); got != want {
		t.Fatalf("the session's nice before and after the go: %q, want %q", got, want)
	}
}

// aroundGo starts a background process under level that prints what the
// shell command probe says before its go (a second after its start) and
// after it, and returns both, space-separated.
func aroundGo(t *testing.T, level sandbox.Level, probe string) string {
	t.Helper()
	ws := t.TempDir()
	p, err := sandbox.Start(context.Background(), sandbox.Spec{
		Args: []string{"sh", "-c", "sleep 0.3; a=$(" + probe + "); read -r line <&4; b=$(" + probe + "); echo \"$a $b\""},
		Dir:  ws, Env: sandbox.Env(), Gated: true, Background: true,
		Isolation: sandbox.Isolation{Level: level, View: shell(ws)},
	})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	p.Go(nil)
	res, err := p.Wait()
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("probe around the go: exit %d, %v: %s", res.ExitCode, err, res.Output)
	}
	return strings.TrimSpace(res.Output)
}
