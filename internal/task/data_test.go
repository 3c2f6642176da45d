package task

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func fakeTask(files ...File) *Task {
	return &Task{Manifest: Manifest{Name: "fake", Data: Data{Dir: "fake", Files: files}}}
}

func TestFetchDownloadsAndVerifies(t *testing.T) {
	body := []byte("some training data\n")
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(body)
	w.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/plain.txt":
			w.Write(body)
		case "/data.gz":
			w.Write(gz.Bytes())
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	tk := fakeTask(
		File{Name: "plain.txt", URL: srv.URL + "/plain.txt", Size: int64(len(body)), SHA256: sum(body)},
		File{Name: "data.gz", URL: srv.URL + "/data.gz", GunzipSHA256: sum(body)},
	)
	cacheDir := t.TempDir()
	r := &Resolver{CacheDir: cacheDir, Progress: &bytes.Buffer{}}
	got, err := r.Fetch(context.Background(), tk)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cacheDir, "fake", "plain.txt"); got["plain.txt"] != want {
		t.Errorf("plain.txt at %q, want %q", got["plain.txt"], want)
	}
	if _, missing := r.Locate(tk); len(missing) != 0 {
		t.Errorf("after download, still missing %v", missing)
	}
	entries, _ := os.ReadDir(filepath.Join(cacheDir, "fake"))
	if len(entries) != 2 {
		t.Errorf("download folder holds %d entries, want 2 (no partial files)", len(entries))
	}
}

func TestFetchRejectsBadChecksum(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("tampered"))
	}))
	defer srv.Close()
	tk := fakeTask(File{Name: "x.txt", URL: srv.URL + "/x.txt", SHA256: sum([]byte("original"))})
	dir := t.TempDir()
	_, err := (&Resolver{CacheDir: dir}).Fetch(context.Background(), tk)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err = %v, want ErrChecksum", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "fake", "x.txt")); err == nil {
		t.Fatal("a file that failed its checksum was kept")
	}
}

func TestFetchOfflineErrorSaysWhatToDo(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens: like being offline
	url := srv.URL + "/input.txt"
	tk := fakeTask(File{Name: "input.txt", URL: url, SHA256: sum(nil)})
	_, err := (&Resolver{CacheDir: t.TempDir()}).Fetch(context.Background(), tk)
	if !errors.Is(err, ErrDataMissing) {
		t.Fatalf("err = %v, want ErrDataMissing", err)
	}
	for _, want := range []string{"input.txt", url, "--data-dir", EnvDataDir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

func TestLocateOrder(t *testing.T) {
	flag, env, cacheDir, local := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	tk := fakeTask(File{Name: "f", SHA256: "x"})
	tk.Data.LocalDirs = []string{local}
	r := &Resolver{FlagDir: flag, EnvDir: env, CacheDir: cacheDir}
	put := func(dir string) string {
		p := filepath.Join(dir, "f")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(p, nil, 0o644)
		return p
	}
	for _, dir := range []string{local, filepath.Join(cacheDir, "fake"), filepath.Join(env, "fake"), filepath.Join(flag, "fake")} {
		p := put(dir)
		if found, _ := r.Locate(tk); found["f"] != p {
			t.Fatalf("found %q, want %q (the earliest directory that holds it)", found["f"], p)
		}
	}
}

func TestLocateReturnsAbsolutePaths(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.MkdirAll(filepath.Join("rel", "fake"), 0o755)
	os.WriteFile(filepath.Join("rel", "fake", "f"), nil, 0o644)
	found, _ := (&Resolver{FlagDir: "rel"}).Locate(fakeTask(File{Name: "f", SHA256: "x"}))
	if !filepath.IsAbs(found["f"]) {
		t.Fatalf("found %q: a relative path breaks preparation, which runs elsewhere", found["f"])
	}
}

// TestPlacesCoverEveryLocation: what the sandbox must mask is every folder
// the resolver would look in, in order, the data directories themselves,
// and the real path of each file it finds (a link into another folder
// included).
func TestPlacesCoverEveryLocation(t *testing.T) {
	flag, env, cacheDir, local, elsewhere := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	tk := fakeTask(File{Name: "f", SHA256: "x"})
	tk.Data.LocalDirs = []string{local}
	real := filepath.Join(elsewhere, "f.real")
	if err := os.WriteFile(real, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(env, "fake"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(env, "fake", "f")); err != nil {
		t.Fatal(err)
	}
	got := (&Resolver{FlagDir: flag, EnvDir: env, CacheDir: cacheDir}).Places(tk)
	want := []string{filepath.Join(flag, "fake"), filepath.Join(env, "fake"), filepath.Join(cacheDir, "fake"), local,
		flag, env, cacheDir, real}
	if !slices.Equal(got, want) {
		t.Fatalf("places %v, want %v", got, want)
	}
}

// TestFetchWritesShippedFiles: a file the binary ships is written to the
// cache (not the --data-dir) without a download, checked against its
// checksum; a copy on disk still wins, and a shipped file that does not
// match its manifest is refused.
func TestFetchWritesShippedFiles(t *testing.T) {
	body := []byte("to be, or not to be\n")
	tk := fakeTask(File{Name: "input.txt", URL: "http://127.0.0.1:1/input.txt", Size: int64(len(body)), SHA256: sum(body)})
	tk.Embedded = fstest.MapFS{"fake/input.txt": {Data: body}}
	flag, cacheDir := t.TempDir(), t.TempDir()
	r := &Resolver{FlagDir: flag, CacheDir: cacheDir}
	got, err := r.Fetch(context.Background(), tk)
	if want := filepath.Join(cacheDir, "fake", "input.txt"); err != nil || got["input.txt"] != want {
		t.Fatalf("fetch = %v, %v; want %s written from the binary", got, err, want)
	}
	if b, _ := os.ReadFile(got["input.txt"]); !bytes.Equal(b, body) {
		t.Fatalf("written file holds %q", b)
	}
	onDisk := filepath.Join(flag, "fake", "input.txt")
	os.MkdirAll(filepath.Dir(onDisk), 0o755)
	os.WriteFile(onDisk, body, 0o644)
	if got, err := r.Fetch(context.Background(), tk); err != nil || got["input.txt"] != onDisk {
		t.Fatalf("fetch = %v, %v; want the --data-dir copy %s", got, err, onDisk)
	}
	tk.Embedded = fstest.MapFS{"fake/input.txt": {Data: []byte("tampered, same length\n")[:len(body)]}}
	if _, err := (&Resolver{CacheDir: t.TempDir()}).Fetch(context.Background(), tk); !errors.Is(err, ErrChecksum) {
		t.Fatalf("a shipped file that fails its checksum: err = %v, want ErrChecksum", err)
	}
}

// TestShakespeareShipsWithTheBinary: the built-in task's raw file is in
// the binary and matches the manifest's size and checksum, so the task
// works offline; the other built-in tasks ship nothing.
func TestShakespeareShipsWithTheBinary(t *testing.T) {
	tk, err := Load("shakespeare", "")
	if err != nil {
		t.Fatal(err)
	}
	if !Embedded(tk, tk.Data.Files[0]) {
		t.Fatal("tiny Shakespeare is not in the binary")
	}
	offline := &Resolver{CacheDir: t.TempDir(), Client: &http.Client{Transport: refuse{}}}
	got, err := offline.Fetch(context.Background(), tk)
	if err != nil {
		t.Fatalf("offline fetch: %v", err)
	}
	if st, err := os.Stat(got["input.txt"]); err != nil || st.Size() != 1115394 {
		t.Fatalf("written copy: %v %v", st, err)
	}
	for _, name := range []string{"fashion-mnist", "cifar10"} {
		other, _ := Load(name, "")
		if Embedded(other, other.Data.Files[0]) {
			t.Errorf("%s claims a shipped file", name)
		}
	}
}

// refuse is a transport for a machine without network.
type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network is off")
}

// TestShippedFileUnwritableCacheSaysWhatToDo: when the binary's copy
// cannot be written, the error names the folder and the way out.
func TestShippedFileUnwritableCacheSaysWhatToDo(t *testing.T) {
	body := []byte("x\n")
	tk := fakeTask(File{Name: "input.txt", SHA256: sum(body)})
	tk.Embedded = fstest.MapFS{"fake/input.txt": {Data: body}}
	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644) // a file where the cache folder should be
	_, err := (&Resolver{CacheDir: blocker}).Fetch(context.Background(), tk)
	if !errors.Is(err, ErrDataMissing) {
		t.Fatalf("err = %v, want ErrDataMissing", err)
	}
	for _, want := range []string{"input.txt", blocker, "AUTORESEARCH_CACHE_DIR", "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}
