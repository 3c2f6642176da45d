package task

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
)

// EnvDataDir names the variable that points at a data directory.
const EnvDataDir = "AUTORESEARCH_DATA_DIR"

// ErrDataMissing is returned when a data file is neither on disk nor
// downloadable.
var ErrDataMissing = errors.New("data missing")

// ErrChecksum is returned when a data file does not match its manifest.
var ErrChecksum = errors.New("checksum mismatch")

// Resolver finds a task's raw data files: in --data-dir, then
// $AUTORESEARCH_DATA_DIR, then the user cache, then the system copies the
// manifest names (Debian's). What is found nowhere is written out from
// the binary when it ships the file (into the cache), or else downloaded
// from its canonical URL into the first of those directories, with a
// progress display; either way it must match its checksum.
type Resolver struct {
	FlagDir  string
	EnvDir   string
	CacheDir string
	Client   *http.Client
	Progress io.Writer // nil: no progress display
	ShowBar  bool      // draw a progress bar (a terminal)
}

// dirs lists where t's files are looked for, in order, as absolute paths
// (preparation runs in another working directory).
func (r *Resolver) dirs(t *Task) []string {
	var out []string
	for _, d := range []string{r.FlagDir, r.EnvDir, r.CacheDir} {
		if d != "" {
			out = append(out, absPath(filepath.Join(d, t.Data.Dir)))
		}
	}
	for _, d := range t.Data.LocalDirs {
		out = append(out, absPath(d))
	}
	return out
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// Places lists every place the resolver would look for t's raw files,
// the data directories those lie in, and every file it finds (by its real
// path, should it be a link), so that the sandbox can keep them all out
// of sight.
func (r *Resolver) Places(t *Task) []string {
	out := r.dirs(t)
	for _, d := range []string{r.FlagDir, r.EnvDir, r.CacheDir} {
		if d != "" {
			out = append(out, absPath(d))
		}
	}
	found, _ := r.Locate(t)
	for _, p := range found {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			out = append(out, real)
		}
	}
	return out
}

// downloadDir is where a missing file is saved.
func (r *Resolver) downloadDir(t *Task) string {
	return r.dirs(t)[0]
}

// Locate finds each file on disk without checking its content. missing
// lists the files found nowhere.
func (r *Resolver) Locate(t *Task) (found map[string]string, missing []File) {
	found = map[string]string{}
	for _, f := range t.Data.Files {
		if p := r.find(t, f); p != "" {
			found[f.Name] = p
		} else {
			missing = append(missing, f)
		}
	}
	return found, missing
}

func (r *Resolver) find(t *Task, f File) string {
	for _, d := range r.dirs(t) {
		p := filepath.Join(d, f.Name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// Fetch returns the path of every raw file of t, writing out what the
// binary ships and downloading what is missing, and verifies each against
// its checksum.
func (r *Resolver) Fetch(ctx context.Context, t *Task) (map[string]string, error) {
	found, missing := r.Locate(t)
	for _, f := range missing {
		p, err := r.obtain(ctx, t, f)
		if err != nil {
			return nil, err
		}
		found[f.Name] = p
	}
	for _, f := range t.Data.Files {
		if err := Verify(f, found[f.Name]); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// Embedded reports whether the binary ships f for t.
func Embedded(t *Task, f File) bool {
	if t.Embedded == nil {
		return false
	}
	st, err := fs.Stat(t.Embedded, path.Join(t.Data.Dir, f.Name))
	return err == nil && st.Mode().IsRegular()
}

// obtain writes out the binary's copy of f, into the cache where there is
// one, or else downloads f.
func (r *Resolver) obtain(ctx context.Context, t *Task, f File) (string, error) {
	if !Embedded(t, f) {
		return r.download(ctx, t, f)
	}
	dir := r.downloadDir(t)
	if r.CacheDir != "" {
		dir = absPath(filepath.Join(r.CacheDir, t.Data.Dir))
	}
	p, err := save(dir, f, func(w io.Writer) error { return copyEmbedded(w, t, f) })
	if err != nil && !errors.Is(err, ErrChecksum) {
		return "", fmt.Errorf("%w: writing the binary's copy of %s into %s failed (%w).\n"+
			"Make the cache writable (or set AUTORESEARCH_CACHE_DIR), or point --data-dir (or %s) at a folder that holds %s",
			ErrDataMissing, f.Name, dir, err, EnvDataDir, filepath.Join(t.Data.Dir, f.Name))
	}
	return p, err
}

func copyEmbedded(w io.Writer, t *Task, f File) error {
	in, err := t.Embedded.Open(path.Join(t.Data.Dir, f.Name))
	if err != nil {
		return err
	}
	_, err = io.Copy(w, in)
	return errors.Join(err, in.Close())
}

func (r *Resolver) download(ctx context.Context, t *Task, f File) (string, error) {
	p, err := save(r.downloadDir(t), f, func(w io.Writer) error { return r.get(ctx, f, w) })
	if err != nil && !errors.Is(err, ErrChecksum) {
		return "", fmt.Errorf("%w: %s is not in %s and downloading it from %s failed (%w).\n"+
			"Download it yourself and point --data-dir (or %s) at the folder that holds %s",
			ErrDataMissing, f.Name, strings.Join(r.dirs(t), ", "), f.URL, err, EnvDataDir, filepath.Join(t.Data.Dir, f.Name))
	}
	return p, err
}

// save writes f into dir through a temporary file that fill writes and
// that must match f's checksum; it returns the file's path.
func save(dir string, f File, fill func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, f.Name+".part-")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := Verify(f, tmp.Name()); err != nil {
		return "", err
	}
	p := filepath.Join(dir, f.Name)
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", err
	}
	return p, nil
}

func (r *Resolver) get(ctx context.Context, f File, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return err
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	var body io.Reader = resp.Body
	if r.Progress != nil && !r.ShowBar {
		fmt.Fprintf(r.Progress, "downloading %s from %s\n", f.Name, f.URL)
	}
	if r.Progress != nil && r.ShowBar {
		bar := progressbar.NewOptions64(resp.ContentLength,
			progressbar.OptionSetWriter(r.Progress), progressbar.OptionSetDescription("downloading "+f.Name),
			progressbar.OptionShowBytes(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(r.Progress) }))
		body = io.TeeReader(resp.Body, bar)
	}
	_, err = io.Copy(w, body)
	return err
}

// Verify checks the file at path against f's size and checksum.
func Verify(f File, path string) error {
	in, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrDataMissing, f.Name, err)
	}
	defer in.Close()
	if st, err := in.Stat(); err == nil && f.Size > 0 && st.Size() != f.Size {
		return fmt.Errorf("%w: %s is %d bytes, want %d: delete it to download it again", ErrChecksum, path, st.Size(), f.Size)
	}
	var src io.Reader = in
	want := f.SHA256
	if want == "" {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return fmt.Errorf("%w: %s is not gzip data: %w", ErrChecksum, path, err)
		}
		src, want = gz, f.GunzipSHA256
	}
	h := sha256.New()
	if _, err := io.Copy(h, src); err != nil {
		return fmt.Errorf("%w: read %s: %w", ErrChecksum, path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, want) {
		return fmt.Errorf("%w: %s has sha256 %s, want %s: delete it to download it again", ErrChecksum, path, got, want)
	}
	return nil
}

// Key identifies the prepared splits of t: they depend only on the
// preparation code and on the checksums of verified raw files.
func (t *Task) Key() (string, error) {
	prep, err := readFile(t, "prepare.py")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(prep)
	for _, f := range t.Data.Files {
		fmt.Fprintf(h, "\x00%s\x00%s\x00%s", f.Name, f.SHA256, f.GunzipSHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
