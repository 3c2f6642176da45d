package pyenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/autoresearch/autoresearch/internal/cache"
)

// ViewPaths are the files and folders an isolated child must see to run
// this interpreter with torch and numpy: the interpreter, its module
// folders and the libraries it maps (ar_view.py). The harness library is
// not among them. Probing costs an `import torch`, so the answer is kept
// in memory and in the cache, and reused while none of the paths (nor
// the interpreter) has changed since: installing or removing a package
// changes its folder's modification time.
func (e *Env) ViewPaths(ctx context.Context) ([]string, error) {
	v, err := e.view(ctx)
	return v.Paths, err
}

// CUDA reports whether this interpreter's torch can use CUDA here (found
// with ViewPaths, and cached with it).
func (e *Env) CUDA(ctx context.Context) (bool, error) {
	v, err := e.view(ctx)
	return v.CUDA, err
}

// Devices are the devices this interpreter's torch can use here, found
// with ViewPaths: every CUDA device ("cuda:0", ...), else "mps" where
// Apple's GPU is there, else "cpu".
func (e *Env) Devices(ctx context.Context) ([]string, error) {
	v, err := e.view(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := range v.CUDADevices {
		out = append(out, "cuda:"+strconv.Itoa(i))
	}
	switch {
	case len(out) > 0:
		return out, nil
	case v.MPS:
		return []string{"mps"}, nil
	}
	return []string{"cpu"}, nil
}

func (e *Env) view(ctx context.Context) (storedView, error) {
	viewMu.Lock()
	defer viewMu.Unlock()
	file := e.viewFile()
	if v, ok := viewMemo[file]; ok {
		return v, nil
	}
	v, ok := loadView(file)
	if !ok {
		var err error
		if v, err = probeView(ctx, e); err != nil {
			return v, err
		}
		saveView(file, v)
	}
	viewMemo[file] = v
	return v, nil
}

var (
	viewMu   sync.Mutex
	viewMemo = map[string]storedView{} // by viewFile
)

// storedView is a probe's answer with what it was true of.
type storedView struct {
	Paths []string `json:"paths"`
	CUDA  bool     `json:"cuda"`
	// CUDADevices counts CUDA's devices (-1 in an answer stored before it
	// was asked); MPS says whether Apple's GPU is there.
	CUDADevices int               `json:"cuda_devices"`
	MPS         bool              `json:"mps"`
	Stamps      map[string]string `json:"stamps"` // path -> modification time and size
}

// viewFile is where the answer for this interpreter, harness library and
// machine setting (library path, visible GPUs) is kept.
func (e *Env) viewFile() string {
	gpus, _ := filepath.Glob("/dev/nvidia[0-9]*")
	key := strings.Join([]string{e.Python, e.LibDir, os.Getenv("LD_LIBRARY_PATH"), os.Getenv("CUDA_VISIBLE_DEVICES"),
		strconv.Itoa(len(gpus))}, "\x00")
	h := sha256.Sum256([]byte(key))
	return filepath.Join(cache.Dir(), "views", hex.EncodeToString(h[:8])+".json")
}

func stamp(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return strconv.FormatInt(st.ModTime().UnixNano(), 10) + "/" + strconv.FormatInt(st.Size(), 10)
}

// loadView returns the stored answer when nothing it names has changed.
func loadView(file string) (storedView, bool) {
	var v storedView
	b, err := os.ReadFile(file) //nolint:gosec // G304: a file of our own cache
	if err != nil {
		return v, false
	}
	v.CUDADevices = -1
	if json.Unmarshal(b, &v) != nil || len(v.Paths) == 0 || len(v.Stamps) != len(v.Paths) || v.CUDADevices < 0 {
		return v, false
	}
	for _, p := range v.Paths {
		if v.Stamps[p] != stamp(p) {
			return v, false
		}
	}
	return v, true
}

// saveView stores an answer with the stamps of its paths; a failure only
// costs the next run a probe.
func saveView(file string, v storedView) {
	v.Stamps = map[string]string{}
	for _, p := range v.Paths {
		v.Stamps[p] = stamp(p)
	}
	b, err := json.Marshal(v)
	if err != nil || os.MkdirAll(filepath.Dir(file), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), filepath.Base(file)+".*") // a name of its own: nodes share the cache on a cluster
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	if errors.Join(werr, tmp.Close()) == nil && os.Rename(tmp.Name(), file) == nil {
		return
	}
	os.Remove(tmp.Name())
}

func probeView(ctx context.Context, e *Env) (storedView, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.Python, e.Script("ar_view.py"))
	cmd.Env = e.ChildEnv()
	out, err := cmd.Output()
	var v storedView
	if err != nil {
		return v, fmt.Errorf("list what %s needs to see in the sandbox: %w", e.Python, err)
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Paths) == 0 {
		return v, fmt.Errorf("list what %s needs to see in the sandbox: unexpected answer %q", e.Python, out)
	}
	return v, nil
}
