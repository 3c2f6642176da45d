// Package task loads task folders (built-in ones embedded in the binary and
// user folders given with --task-dir), validates their manifests, parses the
// declared search space of their baselines, and finds, downloads and checks
// their raw data files.
package task

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/tasks"
)

// ErrUnknownTask is returned for a task name that is not built in.
var ErrUnknownTask = errors.New("unknown task")

// ErrInvalid is returned for a task folder that is missing files or whose
// manifest is broken.
var ErrInvalid = errors.New("invalid task folder")

// Files every task folder must hold.
var requiredFiles = []string{"task.json", "baseline.py", "prompt.md", "prepare.py", "evaluate.py"}

// File is one raw data file of a task.
type File struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Size int64  `json:"size,omitempty"`
	// SHA256 is the checksum of the file as downloaded.
	SHA256 string `json:"sha256,omitempty"`
	// GunzipSHA256 is the checksum of a gzip file's content, for data sets
	// that distributors recompress (Debian's Fashion-MNIST).
	GunzipSHA256 string `json:"gunzip_sha256,omitempty"`
}

// Data says where a task's raw files live.
type Data struct {
	Dir       string   `json:"dir"`                  // sub-folder of a data directory
	LocalDirs []string `json:"local_dirs,omitempty"` // system copies, e.g. Debian's
	Files     []File   `json:"files"`
}

// Manifest is a task folder's task.json.
type Manifest struct {
	Name         string             `json:"name"`
	Description  string             `json:"description"`
	Metric       string             `json:"metric"`
	Direction    research.Direction `json:"direction"`
	TrainSeconds float64            `json:"train_seconds"`
	// StartupSeconds is how long a script may take to start (interpreter,
	// imports, data loading) before its training time counts; 0: the
	// runner's default.
	StartupSeconds float64 `json:"startup_seconds,omitempty"`
	Seeds          []int64 `json:"seeds"`
	SearchSpace    string  `json:"search_space"`
	Data           Data    `json:"data"`
}

// Task is a loaded, validated task folder.
type Task struct {
	Manifest
	FS       fs.FS
	Source   string // "built-in" or the folder's path
	Baseline string
	Prompt   string
	Space    []Param
	// Embedded holds raw files shipped inside the binary, as
	// <Data.Dir>/<name>; nil for a user's task folder.
	Embedded fs.FS
	diskDir  string
}

// BuiltIn loads every embedded task.
func BuiltIn() ([]*Task, error) {
	var out []*Task
	for _, name := range tasks.Names {
		t, err := Load(name, "")
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Load returns the built-in task called name, or, when dir is set, the
// user task folder at dir.
func Load(name, dir string) (*Task, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("%w %s: %w", ErrInvalid, dir, err)
		}
		return fromFS(os.DirFS(abs), abs, abs)
	}
	for _, n := range tasks.Names {
		if n == name {
			sub, err := fs.Sub(tasks.FS, name)
			if err != nil {
				return nil, err
			}
			t, err := fromFS(sub, "built-in", "")
			if err != nil {
				return nil, err
			}
			t.Embedded, err = fs.Sub(tasks.Data, "data")
			return t, err
		}
	}
	return nil, fmt.Errorf("%w %q: built-in tasks are %s; use --task-dir for your own folder",
		ErrUnknownTask, name, strings.Join(tasks.Names, ", "))
}

func fromFS(fsys fs.FS, source, diskDir string) (*Task, error) {
	for _, f := range requiredFiles {
		if _, err := fs.Stat(fsys, f); err != nil {
			return nil, fmt.Errorf("%w %s: missing %s (a task folder needs %s)",
				ErrInvalid, source, f, strings.Join(requiredFiles, ", "))
		}
	}
	t := &Task{FS: fsys, Source: source, diskDir: diskDir}
	raw, _ := fs.ReadFile(fsys, "task.json")
	if err := json.Unmarshal(raw, &t.Manifest); err != nil {
		return nil, fmt.Errorf("%w %s: task.json: %w", ErrInvalid, source, err)
	}
	if err := t.validate(); err != nil {
		return nil, fmt.Errorf("%w %s: task.json: %w", ErrInvalid, source, err)
	}
	if err := t.readTexts(); err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrInvalid, source, err)
	}
	return t, nil
}

// Goal is the task's metric and its direction, as the store records them.
func (t *Task) Goal() research.Goal {
	return research.Goal{Metric: t.Metric, Direction: t.Direction}
}

func (t *Task) readTexts() error {
	baseline, _ := fs.ReadFile(t.FS, "baseline.py")
	prompt, _ := fs.ReadFile(t.FS, "prompt.md")
	t.Baseline, t.Prompt = string(baseline), string(prompt)
	spaceFile := t.SearchSpace
	if spaceFile == "" {
		spaceFile = "baseline.py"
	}
	src, err := fs.ReadFile(t.FS, spaceFile)
	if err != nil {
		return fmt.Errorf("search space file: %w", err)
	}
	t.Space, err = ParseSpace(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", spaceFile, err)
	}
	return nil
}

func (m *Manifest) validate() error {
	switch {
	case m.Name == "":
		return errors.New(`"name" is empty`)
	case m.Metric == "":
		return errors.New(`"metric" is empty`)
	case !m.Direction.Valid():
		return fmt.Errorf(`"direction" is %q, want "minimize" or "maximize"`, m.Direction)
	case m.TrainSeconds <= 0:
		return errors.New(`"train_seconds" must be positive`)
	case m.StartupSeconds < 0 || m.StartupSeconds > 600:
		return fmt.Errorf(`"startup_seconds" is %g, want 0 (the default) to 600`, m.StartupSeconds)
	case len(m.Seeds) == 0:
		return errors.New(`"seeds" is empty`)
	}
	for i, f := range m.Data.Files {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\`) {
			return fmt.Errorf("data file %d: name %q must be a plain file name", i+1, f.Name)
		}
		if f.SHA256 == "" && f.GunzipSHA256 == "" {
			return fmt.Errorf("data file %s: needs sha256 or gunzip_sha256", f.Name)
		}
	}
	return nil
}

// Dir returns the task folder on disk (built-in tasks are written to the
// cache first), for the Python processes that read prepare.py and
// evaluate.py.
func (t *Task) Dir() (string, error) {
	if t.diskDir != "" {
		return t.diskDir, nil
	}
	return cache.Materialize(t.FS, filepath.Join(cache.Dir(), "tasks"), t.Name)
}

func readFile(t *Task, name string) ([]byte, error) {
	data, err := fs.ReadFile(t.FS, name)
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", t.Name, err)
	}
	return data, nil
}
