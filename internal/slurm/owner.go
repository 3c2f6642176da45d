package slurm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// owner is a loop's claim on the jobs it submits: a lock file in the work
// directory that it holds (flock) while it lives, and whose time it
// renews (a lease). The kernel lets the lock go when the loop dies,
// however it dies, so a job whose owner's lock can be taken is a
// leftover; for an owner on another host, whose lock some shared file
// systems keep local to that host, the lease must have run out too.
type owner struct {
	name string // the lock file's name (host-pid-…), recorded with each job
	f    *os.File
	stop chan struct{}
	done chan struct{}
}

// lease is how often an owner renews its file's time; an owner on
// another host is taken for dead three leases after its last renewal.
const lease = 30 * time.Second

// claim creates and locks a new owner file under root/owners.
func claim(root string) (*owner, error) {
	dir := filepath.Join(root, "owners")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: the work directory %s is not writable: %w", ErrCluster, root, err)
	}
	host, _ := os.Hostname()
	f, err := os.CreateTemp(dir, fmt.Sprintf("%s-%d-", host, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("%w: the work directory %s is not writable: %w", ErrCluster, root, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("%w: cannot lock files in the work directory %s: %w", ErrCluster, root, err)
	}
	o := &owner{name: filepath.Base(f.Name()), f: f, stop: make(chan struct{}), done: make(chan struct{})}
	go o.renew()
	return o, nil
}

// renew renews the lease until release.
func (o *owner) renew() {
	defer close(o.done)
	for {
		select {
		case <-o.stop:
			return
		case <-time.After(lease):
			now := time.Now()
			_ = os.Chtimes(o.f.Name(), now, now)
		}
	}
}

// release lets the claim go.
func (o *owner) release() {
	close(o.stop)
	<-o.done
	os.Remove(o.f.Name())
	o.f.Close()
}

// alive says whether the owner named name still holds its lock or, on
// another host, its lease.
func alive(root, name string) bool {
	f, err := os.Open(filepath.Join(root, "owners", filepath.Base(name)))
	if err != nil {
		return false // released: its loop ended and cancelled its jobs, or the file is gone
	}
	defer f.Close()
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return true
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	host, _ := os.Hostname()
	if st, err := f.Stat(); err == nil && !strings.HasPrefix(filepath.Base(name), host+"-") {
		return time.Since(st.ModTime()) < 3*lease
	}
	return false
}

// cancelLeftover cancels the job recorded in the folder d, if any, and
// returns its id.
func cancelLeftover(ctx context.Context, d string) (string, error) {
	b, err := os.ReadFile(filepath.Join(d, idFile)) //nolint:gosec // G304: the work directory's own files
	if err != nil {
		return "", nil // never submitted
	}
	id := strings.TrimSpace(string(b))
	return id, cancel(ctx, id)
}

// Leftovers cancels the jobs in root's jobs folder whose loop died (its
// owner's lock is free) and removes their folders and owners; it returns
// the ids it cancelled. Jobs of loops still running are left alone.
func Leftovers(ctx context.Context, root string) ([]string, error) {
	dirs, _ := filepath.Glob(filepath.Join(root, "jobs", "*"))
	var ids []string
	var errs []error
	dead := map[string]bool{}
	for _, d := range dirs {
		name, err := os.ReadFile(filepath.Join(d, ownerFile)) //nolint:gosec // G304: the work directory's own files
		if err != nil || alive(root, string(name)) {
			continue // not yet submitted, or its loop still runs
		}
		dead[string(name)] = true
		id, err := cancelLeftover(ctx, d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if id != "" {
			ids = append(ids, id)
		}
		os.RemoveAll(d)
	}
	for name := range dead {
		os.Remove(filepath.Join(root, "owners", filepath.Base(name)))
	}
	return ids, errors.Join(errs...)
}
