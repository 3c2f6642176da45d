package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/task"
	"github.com/autoresearch/autoresearch/internal/testutil"
	"github.com/autoresearch/autoresearch/tasks"
)

// TestScriptsCannotReadTheBinary: this program's executable (here the
// test binary, which embeds the same data) carries tiny Shakespeare,
// held-out part included. Installed in a folder the view shows, a script
// finds a line of the test split in it; with HiddenPaths' masks it
// cannot.
func TestScriptsCannotReadTheBinary(t *testing.T) {
	testutil.Need(t, testutil.Bubblewrap)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	line := heldOutLine(t)
	grep := func(masks []string) sandbox.Result {
		ws := t.TempDir()
		view := sandbox.View{ReadOnly: []string{"/bin", "/usr/bin", filepath.Dir(exe)}, Writable: []string{ws}, Masks: masks}
		res, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"grep", "-c", "-F", "-e", line, exe},
			Dir: ws, Env: sandbox.Env(), OutputLimit: 4096, Isolation: sandbox.Isolation{Level: sandbox.LevelFull, View: view}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := grep(nil); res.ExitCode != 0 {
		t.Fatalf("proof: unmasked, the script should find %q in %s: exit %d %s", line, exe, res.ExitCode, res.Output)
	}
	if res := grep(HiddenPaths(&task.Resolver{}, nil, t.TempDir(), "")); res.ExitCode == 0 {
		t.Fatalf("a script read the held-out text from the binary %s: %s", exe, res.Output)
	}
}

// heldOutLine returns a whole line from tiny Shakespeare's test split.
func heldOutLine(t *testing.T) string {
	t.Helper()
	raw, err := tasks.Data.ReadFile("data/tinyshakespeare/input.txt")
	if err != nil {
		t.Fatal(err)
	}
	rest := raw[len(raw)*97/100:]
	for _, l := range bytes.Split(rest, []byte("\n"))[1:] {
		if len(l) > 30 {
			return string(l)
		}
	}
	t.Fatal("no long line in the test split")
	return ""
}
