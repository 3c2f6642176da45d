package task

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
)

func TestBuiltInTasksLoad(t *testing.T) {
	list, err := BuiltIn()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"shakespeare": 30, "fashion-mnist": 30, "cifar10": 60}
	for _, tk := range list {
		if want[tk.Name] != tk.TrainSeconds {
			t.Errorf("%s: budget %g, want %g", tk.Name, tk.TrainSeconds, want[tk.Name])
		}
		if tk.Direction != research.Minimize || len(tk.Seeds) != 2 || len(tk.Space) < 3 {
			t.Errorf("%s: manifest %+v, %d params", tk.Name, tk.Manifest, len(tk.Space))
		}
		if !strings.Contains(tk.Baseline, "H.save_model(") || !strings.Contains(tk.Baseline, "H.train_data()") {
			t.Errorf("%s: baseline does not use the harness", tk.Name)
		}
		if _, err := tk.Key(); err != nil {
			t.Error(err)
		}
	}
	if len(list) != 3 {
		t.Fatalf("%d built-in tasks, want 3", len(list))
	}
}

func TestUnknownTask(t *testing.T) {
	_, err := Load("imagenet", "")
	if !errors.Is(err, ErrUnknownTask) || !strings.Contains(err.Error(), "--task-dir") {
		t.Fatalf("err = %v", err)
	}
}

// copyBuiltIn writes the shakespeare task to a folder the test may break.
func copyBuiltIn(t *testing.T) string {
	t.Helper()
	tk, err := Load("shakespeare", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range requiredFiles {
		b, err := readFile(tk, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUserTaskFolder(t *testing.T) {
	dir := copyBuiltIn(t)
	tk, err := Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Source != dir {
		t.Errorf("source %q, want %q", tk.Source, dir)
	}
	if d, _ := tk.Dir(); d != dir {
		t.Errorf("Dir() = %q, want the folder itself", d)
	}
	if tk.Embedded != nil {
		t.Error("a user's task folder claims the binary's data")
	}
}

func TestBrokenTaskFolders(t *testing.T) {
	cases := map[string]struct {
		edit func(dir string)
		want string
	}{
		"missing evaluator": {func(d string) { os.Remove(filepath.Join(d, "evaluate.py")) }, "missing evaluate.py"},
		"bad json":          {func(d string) { writeManifest(d, "{") }, "task.json"},
		"bad direction":     {func(d string) { editManifest(d, `"minimize"`, `"down"`) }, "direction"},
		"no seeds":          {func(d string) { editManifest(d, `[42, 137]`, `[]`) }, "seeds"},
		"zero budget":       {func(d string) { editManifest(d, `"train_seconds": 30`, `"train_seconds": 0`) }, "train_seconds"},
		"negative start-up": {func(d string) { editManifest(d, `"train_seconds": 30`, `"train_seconds": 30, "startup_seconds": -1`) }, "startup_seconds"},
		"no checksum":       {func(d string) { editManifest(d, `"sha256"`, `"md5"`) }, "needs sha256"},
		"path in file name": {func(d string) { editManifest(d, `"input.txt"`, `"../input.txt"`) }, "plain file name"},
		"no search space":   {func(d string) { os.WriteFile(filepath.Join(d, "baseline.py"), []byte("x = 1\n"), 0o644) }, "search-space"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := copyBuiltIn(t)
			c.edit(dir)
			_, err := Load("", dir)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, c.want)
			}
		})
	}
}

func writeManifest(dir, body string) {
	_ = os.WriteFile(filepath.Join(dir, "task.json"), []byte(body), 0o644)
}

func editManifest(dir, old, new string) {
	b, _ := os.ReadFile(filepath.Join(dir, "task.json"))
	writeManifest(dir, strings.Replace(string(b), old, new, 1))
}
