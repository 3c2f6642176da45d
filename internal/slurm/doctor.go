package slurm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Finding is one line of the doctor's report on the cluster.
type Finding struct {
	Level string // OK, WARN or FAIL
	Name  string
	Text  string
}

// Check checks what running seeds as jobs needs: Slurm's commands, a
// controller that answers, the partition, and a work directory that is
// writable here and seen by the nodes (a tiny job reads a token written
// here and writes it back; it may wait up to wait for a node).
func Check(ctx context.Context, o Options, wait time.Duration) []Finding {
	var missing []string
	for _, c := range []string{"sbatch", "squeue", "scancel", "scontrol"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return []Finding{{"FAIL", "slurm", "not found: " + strings.Join(missing, ", ") + ": install Slurm's client commands (Debian: slurm-client) or load its module"}}
	}
	if err := Ping(ctx); err != nil {
		return []Finding{{"FAIL", "slurm", err.Error()}}
	}
	out := []Finding{{"OK", "slurm", "the controller answers"}, partitionCheck(ctx, o.Partition)}
	return append(out, workDirCheck(ctx, o, wait))
}

// partitionCheck says whether the partition asked for exists and is up.
func partitionCheck(ctx context.Context, name string) Finding {
	if name == "" {
		return Finding{"OK", "partition", "the cluster's default (--slurm-partition to choose one)"}
	}
	text, err := run(ctx, "scontrol", "show", "partition", name)
	if err != nil || !strings.Contains(text, "PartitionName="+name) {
		return Finding{"FAIL", "partition", fmt.Sprintf("%s does not exist here: `sinfo -s` lists the partitions you may use", name)}
	}
	state := "UP"
	for _, f := range strings.Fields(text) {
		if v, ok := strings.CutPrefix(f, "State="); ok {
			state = v
		}
	}
	if state != "UP" {
		return Finding{"WARN", "partition", fmt.Sprintf("%s is %s: jobs will wait", name, state)}
	}
	return Finding{"OK", "partition", name + " is up"}
}

// workDirCheck writes a token in the work directory and has a job copy it.
func workDirCheck(ctx context.Context, o Options, wait time.Duration) Finding {
	dir := filepath.Join(o.WorkDir, "doctor")
	token := make([]byte, 8)
	_, _ = rand.Read(token)
	want := hex.EncodeToString(token)
	in, back := filepath.Join(dir, want+".in"), filepath.Join(dir, want+".out")
	if err := errors.Join(os.MkdirAll(dir, 0o755), os.WriteFile(in, []byte(want), 0o644)); err != nil { //nolint:gosec // G306: read by the job
		return Finding{"FAIL", "work dir", fmt.Sprintf("%s is not writable: %v", o.WorkDir, err)}
	}
	defer os.RemoveAll(dir)
	args := append([]string{"--parsable", "--job-name=autoresearch-doctor", "--time=1", "--output=/dev/null"}, o.sbatchArgs()...)
	out, err := run(ctx, "sbatch", append(args, "--wrap", "cat "+shellQuote(in)+" > "+shellQuote(back))...)
	if err == nil {
		out, err = jobID(out)
	}
	if err != nil {
		return Finding{"FAIL", "work dir", fmt.Sprintf("a test job could not be submitted: %v", err)}
	}
	id := out
	defer func() { _ = cancel(context.WithoutCancel(ctx), id) }()
	for end := time.Now().Add(wait); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if b, err := os.ReadFile(back); err == nil && string(b) == want { //nolint:gosec // G304: our own file
			return Finding{"OK", "work dir", o.WorkDir + " is writable here and seen by the nodes (a test job read it)"}
		}
		if s, err := jobState(ctx, id); err == nil && ended(s.State) && s.State != "COMPLETED" {
			return Finding{"FAIL", "work dir", fmt.Sprintf("the test job %s ended %s", id, s.State)}
		}
	}
	return Finding{"WARN", "work dir", fmt.Sprintf("%s is writable here, but no node confirmed it sees it within %s (test job %s: pending?)", o.WorkDir, wait, id)}
}
