package cache

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestMaterialize(t *testing.T) {
	root := t.TempDir()
	fsys := fstest.MapFS{"a.py": {Data: []byte("print(1)\n")}, "sub/b.txt": {Data: []byte("b")}}
	dir, err := Materialize(fsys, root, "lib")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub", "b.txt")); string(b) != "b" {
		t.Fatalf("sub/b.txt = %q", b)
	}
	again, err := Materialize(fsys, root, "lib")
	if err != nil || again != dir {
		t.Fatalf("second call: %q, %v; want the same folder %q", again, err, dir)
	}
	fsys["a.py"] = &fstest.MapFile{Data: []byte("print(2)\n")}
	changed, err := Materialize(fsys, root, "lib")
	if err != nil || changed == dir {
		t.Fatalf("changed content reused folder %q (%v)", changed, err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 2 {
		t.Fatalf("root holds %d entries, want 2 (no temporary folders left)", len(entries))
	}
}

func TestDirHonoursEnv(t *testing.T) {
	t.Setenv(EnvDir, "/some/where")
	if Dir() != "/some/where" {
		t.Fatalf("Dir() = %q", Dir())
	}
}
