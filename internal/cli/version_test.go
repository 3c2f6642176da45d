package cli

import (
	"context"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/autoresearch/autoresearch/internal/testdeps"
	"github.com/autoresearch/autoresearch/internal/testutil"
)

func TestBuildVersion(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}
	cases := []struct {
		name, version, commit string
		info                  *debug.BuildInfo
		want                  string
	}{
		{"ldflags win", "v1.0.0", "abc1234", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs}, "v1.0.0 abc1234"},
		{"no build info", "dev", "unknown", nil, "dev unknown"},
		{"go build in a checkout", "dev", "unknown", &debug.BuildInfo{
			Main:     debug.Module{Version: "v0.0.0-20261201161027-0123456789ab+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}},
			"v0.0.0-20261201161027-0123456789ab+dirty 0123456789ab-dirty"},
		{"go install of a commit", "dev", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201161027-fedcba987654"}},
			"v0.0.0-20261201161027-fedcba987654 fedcba987654"},
		{"go install of a tag", "dev", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0 unknown"},
		{"without VCS stamps", "dev", "unknown", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev unknown"},
	}
	for _, c := range cases {
		v, commit := buildVersion(c.version, c.commit, c.info)
		if got := v + " " + commit; got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestPlainGoBuildNamesItsCommit: a binary built with plain `go build` in
// a checkout (no -ldflags) names the checkout's commit.
func TestPlainGoBuildNamesItsCommit(t *testing.T) {
	root := testutil.RepoRoot()
	head, err := exec.CommandContext(context.Background(), "git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		testdeps.Missing(t, "git and a git checkout of the repository", err)
	}
	bin := filepath.Join(t.TempDir(), "autoresearch")
	build := exec.CommandContext(context.Background(), "go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(context.Background(), bin, "version").Output()
	if want := "(commit " + strings.TrimSpace(string(head)); err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("version: %q, %v; want %q", out, err, want)
	}
	if strings.Contains(string(out), "dev (commit unknown") {
		t.Fatal("plain go build still says dev")
	}
}
