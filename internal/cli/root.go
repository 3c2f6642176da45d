// Package cli is the command-line interface: one file per command (an
// options struct, a constructor that parses flags, a run function), output
// through injected streams, and one place (exit.go) that maps errors to
// exit codes. It is the only package that wires the others together.
package cli

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Streams are the command's input and outputs. IsTTY says whether Out is
// a terminal (live progress, colours) or a pipe or file (plain lines).
type Streams struct {
	In    io.Reader
	Out   io.Writer
	Err   io.Writer
	IsTTY bool
}

// StdStreams returns the process's standard streams.
func StdStreams() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTTY: term.IsTerminal(int(os.Stdout.Fd()))}
}

// Global options shared by the commands.
type globalOpts struct {
	DB       string
	Task     string
	TaskDir  string
	DataDir  string
	Python   string
	LogLevel string
}

// Environment variables read by the global options.
const (
	envDB = "AUTORESEARCH_DB"
)

// Main runs the command line args and returns the process exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	root := newRoot(s)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, s.Err, err)
}

func newRoot(s Streams) *cobra.Command {
	g := &globalOpts{}
	root := &cobra.Command{
		Use:   "autoresearch",
		Short: "Autonomous ML research: propose, run under a budget, keep only real improvements",
		Long: "autoresearch runs training scripts through a fixed harness: a time budget, several seeds, a trusted\n" +
			"evaluator that computes the metric, and a SQLite record of everything.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(*cobra.Command, []string) {
			setupLogging(s.Err, g.LogLevel)
		},
	}
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	pf := root.PersistentFlags()
	pf.StringVar(&g.DB, "db", envOr(envDB, "autoresearch.db"), "SQLite database file (env "+envDB+")")
	pf.StringVar(&g.LogLevel, "log-level", "warn", "log level: debug, info, warn, error")
	root.AddCommand(newNodeCmd(s), newTasksCmd(s, g), newDoctorCmd(s, g), newBaselineCmd(s, g), newEvalCmd(s, g),
		newStatusCmd(s, g), newExportCmd(s, g), newRunCmd(s, g), newReportCmd(s, g), newDashboardCmd(s, g), newVersionCmd(s))
	return root
}

// taskFlags adds --task and --task-dir to a command.
func taskFlags(cmd *cobra.Command, g *globalOpts) {
	cmd.Flags().StringVar(&g.Task, "task", "shakespeare", "built-in task name")
	cmd.Flags().StringVar(&g.TaskDir, "task-dir", "", "a task folder of your own (overrides --task)")
}

// envFlags adds the flags that locate Python and data.
func envFlags(cmd *cobra.Command, g *globalOpts) {
	cmd.Flags().StringVar(&g.Python, "python", "", "Python interpreter with PyTorch (default: the first that imports torch)")
	cmd.Flags().StringVar(&g.DataDir, "data-dir", "", "folder with data sets (before $AUTORESEARCH_DATA_DIR and the cache)")
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func setupLogging(w io.Writer, level string) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelWarn
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}
