package cli

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	os.WriteFile(corrupt, []byte(strings.Repeat("garbage ", 1000)), 0o644)
	script := filepath.Join(dir, "s.py")
	os.WriteFile(script, []byte("import harness\n"), 0o644)
	db := filepath.Join(dir, "ok.db")
	maximized := recordedWith(t, filepath.Join(dir, "maximized.db"), // shakespeare's loss recorded the wrong way round
		research.Goal{Metric: "val_bpb", Direction: research.Maximize})
	budgeted := recordedWith(t, filepath.Join(dir, "budgeted.db"), research.Goal{Metric: "val_bpb", Direction: research.Minimize}) // a best at 30 s
	noTorch := filepath.Join(dir, "python-without-torch")
	os.WriteFile(noTorch, []byte("#!/bin/sh\nexec python3 -S \"$@\"\n"), 0o755) // no site-packages: no torch
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"frobnicate"}, ExitError, "unknown command"},
		{"unknown flag", []string{"status", "--nope"}, ExitUsage, "unknown flag"},
		{"unknown task", []string{"baseline", "--db", db, "--task", "imagenet"}, ExitUsage, "built-in tasks are"},
		{"negative budget", []string{"baseline", "--db", db, "--train-seconds", "-5"}, ExitUsage, "--train-seconds"},
		{"duplicate seeds", []string{"baseline", "--db", db, "--seeds", "1,1"}, ExitUsage, "twice"},
		{"bad seed", []string{"baseline", "--db", db, "--seeds", "x"}, ExitUsage, "invalid argument"},
		{"unknown rule", []string{"run", "--db", db, "--accept", "median"}, ExitUsage, "want margin"},
		{"confirm seeds below -1", []string{"baseline", "--db", db, "--confirm-seeds", "-2"}, ExitUsage, "--confirm-seeds"},
		{"negative seed cap", []string{"baseline", "--db", db, "--max-seeds", "-1"}, ExitUsage, "--max-seeds"},
		{"status shows none", []string{"status", "--db", db, "--last", "0"}, ExitUsage, "--last must be at least 1"},
		{"missing task dir", []string{"baseline", "--db", db, "--task-dir", filepath.Join(dir, "none")}, ExitUsage, "missing task.json"},
		{"eval without file", []string{"eval", "--db", db}, ExitUsage, "one script"},
		{"eval missing file", []string{"eval", "--db", db, filepath.Join(dir, "nope.py")}, ExitUsage, "no such file"},
		{"eval a folder", []string{"eval", "--db", db, dir}, ExitUsage, "regular file"},
		{"corrupt db", []string{"status", "--db", corrupt}, ExitDatabase, "not a database"},
		{"db in missing folder", []string{"status", "--db", filepath.Join(dir, "x", "y.db")}, ExitDatabase, "--db"},
		{"bad export format", []string{"export", "--db", db, "--format", "xml"}, ExitUsage, "tsv, csv or json"},
		{"no python", []string{"eval", "--db", db, "--python", "/no/python3", script}, ExitEnvironment, "PyTorch"},
		{"status args", []string{"status", "--db", db, "extra"}, ExitUsage, "unknown command"},
		{"huge budget", []string{"baseline", "--db", db, "--train-seconds", "1e12"}, ExitUsage, "out of range"},
		{"bad isolation", []string{"baseline", "--db", db, "--isolation", "tight"}, ExitUsage, "auto, strict or none"},
		{"negative experiments", []string{"run", "--db", db, "--max-experiments", "-1"}, ExitUsage, "must not be negative"},
		{"no workers", []string{"run", "--db", db, "--workers", "-1"}, ExitUsage, "want 1 to 64"},
		{"unknown device", []string{"run", "--db", db, "--devices", "cuda:0,tpu"}, ExitUsage, `"tpu" is not one`},
		{"device twice", []string{"eval", "--db", db, "--devices", "cpu,cpu", script}, ExitUsage, `"cpu" is not one`},
		{"device and devices", []string{"baseline", "--db", db, "--device", "cpu", "--devices", "cpu"}, ExitUsage, "give one of them"},
		{"huge workers", []string{"run", "--db", db, "--workers", "100000"}, ExitUsage, "want 1 to 64"},
		{"python without torch", []string{"eval", "--db", db, "--python", noTorch, script}, ExitEnvironment, "PyTorch"},
		{"goal changed", []string{"eval", "--db", maximized, "--task", "shakespeare", script}, ExitUsage, "recorded with metric val_bpb (maximize)"},
		{"negative step budget", []string{"baseline", "--db", db, "--budget-steps", "-1"}, ExitUsage, "--budget-steps -1 is out of range"},
		{"budget changed", []string{"eval", "--db", budgeted, "--task", "shakespeare", "--budget-steps", "100", script}, ExitUsage,
			"measured under a budget of 30 s, and this run would train under 100 steps (at most 30 s)"},
		{"budget changed in run", []string{"run", "--db", budgeted, "--task", "shakespeare", "--train-seconds", "10"}, ExitUsage,
			"run with --train-seconds 30 and no --budget-steps, or use another database"},
		{"goal changed in run", []string{"run", "--db", maximized, "--task", "shakespeare"}, ExitUsage, "give the changed task another name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(context.Background(), t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d (want %d), stderr:\n%s\nwant it to mention %q", code, c.code, errOut, c.want)
			}
		})
	}
	b, _ := os.ReadFile(corrupt)
	if !strings.HasPrefix(string(b), "garbage") {
		t.Fatal("a corrupt database was modified")
	}
}

// TestDatabaseLockedByAnotherWriter: a writer that holds the database
// past the busy timeout gets a clear error and exit code, and nothing
// recorded is lost.
func TestDatabaseLockedByAnotherWriter(t *testing.T) {
	db := fixtureDB(t)
	ctx := context.Background()
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(ctx, t, "status", "--db", db)
	if code != ExitDatabase || !strings.Contains(errOut, "locked") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := run(ctx, t, "status", "--db", db); code != 0 || !strings.Contains(out, "wider model") {
		t.Fatalf("after the lock: exit %d\n%s", code, out)
	}
}

func TestDataMissingOffline(t *testing.T) {
	testutil.Need(t, testutil.Torch)
	dir := t.TempDir()
	taskDir := filepath.Join(dir, "task")
	copyShakespeare(t, taskDir, strings.NewReplacer("https://raw.githubusercontent.com", "http://127.0.0.1:1",
		`"name": "shakespeare"`, `"name": "offline"`))
	t.Setenv("AUTORESEARCH_DATA_DIR", "")
	code, _, errOut := run(context.Background(), t, "baseline", "--db", filepath.Join(dir, "x.db"), "--task-dir", taskDir,
		"--data-dir", filepath.Join(dir, "data"))
	if code != ExitData {
		t.Fatalf("exit %d, want %d: %s", code, ExitData, errOut)
	}
	for _, want := range []string{"input.txt", "http://127.0.0.1:1", "--data-dir"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error does not mention %q:\n%s", want, errOut)
		}
	}
}

// TestTasksAndVersion: tasks lists every built-in task; with a fresh
// cache and no data folder, tiny Shakespeare is present from the binary.
func TestTasksAndVersion(t *testing.T) {
	t.Setenv("AUTORESEARCH_CACHE_DIR", t.TempDir())
	t.Setenv("AUTORESEARCH_DATA_DIR", t.TempDir())
	code, out, _ := run(context.Background(), t, "tasks")
	if !regexp.MustCompile(`(?m)^shakespeare .*present \(shipped in the binary\)`).MatchString(out) {
		t.Errorf("tasks does not show tiny Shakespeare shipped in the binary:\n%s", out)
	}
	for _, want := range []string{"shakespeare", "val_bpb", "fashion-mnist", "cifar10", "60s"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("tasks (exit %d) lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = run(context.Background(), t, "version")
	if code != 0 || !strings.HasPrefix(out, "autoresearch ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

func TestSanitize(t *testing.T) {
	got := sanitize("a\x1b[31mred\x07\nb\tc", false)
	if strings.ContainsAny(got, "\x1b\x07\n\t") {
		t.Fatalf("control characters left: %q", got)
	}
	if got := sanitize("x\ny", true); got != "x\ny" {
		t.Fatalf("multiline lost newline: %q", got)
	}
}

func TestDoctor(t *testing.T) {
	testutil.Need(t, testutil.Torch, testutil.Bubblewrap, testutil.FashionMNIST, testutil.Optuna)
	db := filepath.Join(t.TempDir(), "d.db")
	code, out, errOut := run(context.Background(), t, "doctor", "--db", db)
	for _, want := range []string{"OK    python", "torch", "OK    optuna         Optuna ", "OK    database", "OK    isolation      full (bubblewrap", "ANTHROPIC_API_KEY",
		"OK    data shakespeare", "OK    data fashion-mnist"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("doctor (exit %d) lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("doctor left a database file behind")
	}
	t.Setenv("ANTHROPIC_API_KEY", "sk-canary-doctor")
	code, out, _ = run(context.Background(), t, "doctor", "--db", db, "--python", "/no/python3")
	if code != ExitEnvironment || !strings.Contains(out, "FAIL  python") || strings.Contains(out, "sk-canary") {
		t.Fatalf("doctor without python: exit %d\n%s", code, out)
	}
}

// TestDoctorAsNormalUser: full isolation works for a user without root
// (user namespaces), and a database folder it cannot write is a clear
// error. As root, the test runs the command as user nobody.
func TestDoctorAsNormalUser(t *testing.T) {
	testutil.Need(t, testutil.Runs...)
	dir, err := os.MkdirTemp("", "autoresearch-user-") // t.TempDir's parent is private
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	args := []string{"doctor", "--db", filepath.Join(dir, "d.db")}
	if os.Getuid() != 0 {
		code, out, errOut := run(context.Background(), t, args...)
		if code != 0 || !strings.Contains(out, "isolation      full") {
			t.Fatalf("doctor as %d: exit %d\n%s%s", os.Getuid(), code, out, errOut)
		}
		return
	}
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "autoresearch")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	asNobody := func(args ...string) (int, string) {
		cmd := exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
		cmd.Env = append(os.Environ(), asCLI+"=1", "HOME="+dir, "AUTORESEARCH_CACHE_DIR="+filepath.Join(dir, "cache"))
		out, _ := cmd.CombinedOutput()
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := asNobody(args...); code != 0 || !strings.Contains(out, "isolation      full") {
		t.Fatalf("doctor as nobody: exit %d\n%s", code, out)
	}
	// A database in a folder this user cannot write (root ignores modes,
	// so it is checked here): a clear error, exit 5.
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out := asNobody("status", "--db", filepath.Join(readOnly, "x.db")); code != ExitDatabase || !strings.Contains(out, "--db") {
		t.Fatalf("database in a read-only folder: exit %d\n%s", code, out)
	}
}

// recordedWith makes a database whose shakespeare experiments (one, kept:
// a baseline under the task's 30 s budget) were recorded with goal g.
func recordedWith(t *testing.T, path string, g research.Goal) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SetGoal(ctx, "shakespeare", g); err != nil {
		t.Fatal(err)
	}
	e := &research.Experiment{Task: "shakespeare", Mode: research.ModeBaseline, Code: "x", Status: research.StatusRunning, TrainSeconds: 30}
	if err := db.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	e.Outcome = research.Outcome{Mean: new(float64)}
	if err := db.Decide(ctx, e); err != nil {
		t.Fatal(err)
	}
	return path
}
