package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"
)

// Version and Commit are set at build time with -ldflags -X; without
// them the version command falls back to what the Go toolchain recorded.
var (
	Version = "dev"
	Commit  = "unknown"
)

func newVersionCmd(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and commit of this binary",
		Args:  noArgs,
		Run: func(*cobra.Command, []string) {
			info, _ := debug.ReadBuildInfo()
			version, commit := buildVersion(Version, Commit, info)
			fmt.Fprintf(s.Out, "autoresearch %s (commit %s, %s, %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// buildVersion returns the version and commit given with -ldflags, and
// where they were not given, what info records: the module's version
// (go install ...@version, or a pseudo-version a build in a checkout
// derives from it) and the VCS revision (a build in a checkout; from a
// pseudo-version otherwise), "-dirty" when the checkout had changes.
func buildVersion(version, commit string, info *debug.BuildInfo) (string, string) {
	if info == nil {
		return version, commit
	}
	if v := info.Main.Version; version == "dev" && v != "" && v != "(devel)" {
		version = v
	}
	if commit != "unknown" {
		return version, commit
	}
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev, err := module.PseudoVersionRev(info.Main.Version); commit == "unknown" && err == nil {
		commit = rev
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if modified {
		commit += "-dirty"
	}
	return version, commit
}
