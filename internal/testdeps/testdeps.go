// Package testdeps holds the one rule for tests that need something Go
// does not bring (PyTorch, bubblewrap, Chromium, Debian's data sets): on
// a machine without it they skip, naming what is missing and how to
// install it; when AUTORESEARCH_TEST_DISALLOW_SKIP is set (make test and
// CI set it) they fail instead, so a missing dependency cannot pass
// silently.
package testdeps

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// EnvDisallowSkip names the variable that turns every skip for a missing
// dependency into a failure.
const EnvDisallowSkip = "AUTORESEARCH_TEST_DISALLOW_SKIP"

// Install says how to get what the heavy tier needs (the script names
// the packages).
const Install = "make test-deps, i.e. scripts/install-deps.sh --test"

// Missing skips t, or fails it under EnvDisallowSkip, because what it
// needs is missing; why says what and why.
func Missing(t testing.TB, what string, why error) {
	t.Helper()
	msg := fmt.Sprintf("needs %s: %v (install: %s)", what, why, Install)
	if Strict() {
		t.Fatalf("%s; %s is set, so a missing dependency fails", msg, EnvDisallowSkip)
		return
	}
	t.Skip(msg)
}

// Strict reports whether skips for missing dependencies are failures.
func Strict() bool {
	return os.Getenv(EnvDisallowSkip) != ""
}

// Chromium returns the path of Debian's chromium, or skips t.
func Chromium(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		Missing(t, "Chromium (Debian's chromium package)", err)
	}
	return path
}
