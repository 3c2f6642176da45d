package pyenv

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStoredViewHoldsWhileNothingChanged: a stored probe answer is reused
// until a path it names changes (a package installed into a folder, a
// library replaced) or disappears.
func TestStoredViewHoldsWhileNothingChanged(t *testing.T) {
	dir := t.TempDir()
	lib, pkgs := filepath.Join(dir, "libx.so"), filepath.Join(dir, "site-packages")
	if err := os.WriteFile(lib, []byte("elf"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(pkgs, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "views", "v.json")
	saveView(file, storedView{Paths: []string{lib, pkgs}, CUDA: true})
	if got, ok := loadView(file); !ok || !slices.Equal(got.Paths, []string{lib, pkgs}) || !got.CUDA {
		t.Fatalf("stored view not reused: %+v %v", got, ok)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(pkgs, later, later); err != nil { // a package installed
		t.Fatal(err)
	}
	if _, ok := loadView(file); ok {
		t.Fatal("reused after a module folder changed")
	}
	saveView(file, storedView{Paths: []string{lib, pkgs}})
	if err := os.Remove(lib); err != nil {
		t.Fatal(err)
	}
	if _, ok := loadView(file); ok {
		t.Fatal("reused after a library disappeared")
	}
}
