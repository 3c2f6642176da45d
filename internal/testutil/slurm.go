package testutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Slurm is the dependency of the cluster tests: a private single-node
// Slurm cluster can be started here (root, Debian's slurm-wlm and munge).
var Slurm = dep("a Slurm cluster of its own (root, slurm-wlm, slurmctld, slurmd, munge)", func() error {
	if os.Getuid() != 0 {
		return errors.New("starting munged, slurmctld and slurmd needs root")
	}
	var missing []string
	for _, p := range []string{"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "mungekey", "sbatch", "scontrol", "scancel", "sinfo", "squeue"} {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, filepath.Base(p))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not installed: %s (scripts/install-deps.sh --test installs them)", strings.Join(missing, ", "))
	}
	return nil
})

// Cluster is a private Slurm cluster started for one test.
type Cluster struct {
	Dir  string // its config, state and logs
	Conf string // its slurm.conf (SLURM_CONF)
}

// StartSlurm starts a cluster of its own for t (scripts/slurm-cluster.sh:
// its own munged, slurmctld and slurmd, ports of its own), points this
// process's Slurm commands at it (SLURM_CONF) and stops it, by pid, when
// t ends.
func StartSlurm(t *testing.T) *Cluster {
	t.Helper()
	Need(t, Slurm)
	dir, err := os.MkdirTemp("", "slurm-") // short: munge's socket path must fit
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(RepoRoot(), "scripts", "slurm-cluster.sh")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, script, "start", dir, freePort(t), freePort(t)).CombinedOutput()
	c := &Cluster{Dir: dir, Conf: filepath.Join(dir, "slurm.conf")}
	t.Cleanup(func() { c.Stop(); os.RemoveAll(dir) })
	if err != nil {
		t.Fatalf("start a Slurm cluster: %v\n%s", err, out)
	}
	t.Setenv("SLURM_CONF", c.Conf)
	return c
}

// Stop stops the cluster's daemons (a controller that is down).
func (c *Cluster) Stop() {
	script := filepath.Join(RepoRoot(), "scripts", "slurm-cluster.sh")
	_ = exec.Command(script, "stop", c.Dir).Run() //nolint:noctx // bounded by the script's own waits
}

// Jobs are the cluster's jobs still queued or running, as id:STATE.
func (c *Cluster) Jobs(t testing.TB) []string {
	t.Helper()
	out, err := exec.Command("squeue", "-h", "-o", "%i %T").Output() //nolint:noctx // a quick query
	if err != nil {
		t.Fatalf("squeue: %v", err)
	}
	return strings.Fields(strings.ReplaceAll(string(out), " ", ":"))
}

// freePort is a TCP port free now.
func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // only to find a free port
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}
