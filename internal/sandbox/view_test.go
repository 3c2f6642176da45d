package sandbox_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/sandbox"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

// viewProbe reports which of its arguments exist and whether torch
// imports: the interpreter must work in a view that holds little else.
const viewProbe = `
import json, os, sys
import torch
print(json.dumps({"torch": torch.__version__, "seen": [p for p in sys.argv[1:] if os.path.exists(p)]}))
`

// TestViewIsAnAllowList: under full isolation the interpreter runs torch,
// yet nothing outside its allow-list is there: no system data trees, no
// home, no other folders of the machine, no data folder of the caller's.
func TestViewIsAnAllowList(t *testing.T) {
	requireFull(t)
	env := testutil.Env(t)
	paths, err := env.ViewPaths(context.Background())
	must(t, err)
	data := t.TempDir()
	must(t, os.WriteFile(filepath.Join(data, "val.pt"), []byte("held out"), 0o644))
	ws := t.TempDir()
	must(t, os.WriteFile(filepath.Join(ws, "probe.py"), []byte(viewProbe), 0o644))
	hidden := []string{"/usr/share", "/usr/share/datasets", "/usr/local/share", "/home", "/root", "/opt", "/srv",
		"/var", "/mnt", "/media", "/run", "/etc/shadow", "/etc/hostname", data, filepath.Join(data, "val.pt"), testutil.RepoRoot()}
	res, err := sandbox.Run(context.Background(), sandbox.Spec{
		Args: append([]string{env.Python, "probe.py"}, hidden...), Dir: ws, Env: env.ChildEnv(), OutputLimit: 1 << 16,
		Isolation: sandbox.Isolation{Level: sandbox.LevelFull, View: sandbox.View{ReadOnly: paths, Writable: []string{ws}}},
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("probe: %v exit %d\n%s", err, res.ExitCode, res.Output)
	}
	var got struct {
		Torch string   `json:"torch"`
		Seen  []string `json:"seen"`
	}
	if err := json.Unmarshal([]byte(lastLine(res.Output)), &got); err != nil || got.Torch == "" {
		t.Fatalf("probe output %q: %v", res.Output, err)
	}
	if len(got.Seen) > 0 {
		t.Fatalf("outside the allow-list yet visible: %v", got.Seen)
	}
}

// TestMasksHideUnderVisibleFolders: a mask hides a folder or a file that
// lies in a visible folder; a bind made after it shows through; a mask
// outside every visible folder adds nothing.
func TestMasksHideUnderVisibleFolders(t *testing.T) {
	requireFull(t)
	root := t.TempDir()
	visible, outside := filepath.Join(root, "lib"), filepath.Join(root, "elsewhere")
	for _, d := range []string{filepath.Join(visible, "data"), outside} {
		must(t, os.MkdirAll(d, 0o755))
	}
	files := map[string]string{"ok.txt": "fine", "secret.txt": "SECRET-FILE", "data/raw": "SECRET-RAW", "data/own.pt": "own split"}
	for name, body := range files {
		must(t, os.WriteFile(filepath.Join(visible, name), []byte(body), 0o644))
	}
	own := filepath.Join(visible, "data", "own.pt")
	ws := t.TempDir()
	cmd := "cat " + visible + "/ok.txt; echo; echo LS:$(ls " + visible + "/data); cat " + visible + "/data/raw " + visible +
		"/secret.txt " + own + "; echo; test -e " + outside + " && echo OUTSIDE-VISIBLE; true"
	view := shell(ws)
	view.ReadOnly = append(view.ReadOnly, visible)
	view.Masks = []string{filepath.Join(visible, "data"), filepath.Join(visible, "secret.txt"), outside, "/no/such/path"}
	view.Binds = []sandbox.Bind{{Src: own, Dst: own}}
	res, err := sandbox.Run(context.Background(), sandbox.Spec{Args: []string{"sh", "-c", cmd}, Dir: ws, Env: sandbox.Env(),
		OutputLimit: 1 << 16, Isolation: sandbox.Isolation{Level: sandbox.LevelFull, View: view}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("run: %v %+v", err, res)
	}
	for _, want := range []string{"fine", "own split", "LS:own.pt\n"} {
		if !strings.Contains(res.Output, want) {
			t.Errorf("%q missing: a mask hid too much:\n%s", want, res.Output)
		}
	}
	for _, bad := range []string{"SECRET", "OUTSIDE-VISIBLE"} {
		if strings.Contains(res.Output, bad) {
			t.Errorf("%q visible through a mask:\n%s", bad, res.Output)
		}
	}
}

func requireFull(t *testing.T) {
	t.Helper()
	testutil.Need(t, testutil.Bubblewrap)
}
