package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
)

// maxScriptBytes bounds a script given to eval.
const maxScriptBytes = 1 << 20

func newEvalCmd(s Streams, g *globalOpts) *cobra.Command {
	o := runOpts{}
	var desc string
	cmd := &cobra.Command{
		Use:   "eval FILE.py",
		Short: "Run your own training script through the same harness and rules, and record it",
		Long: "Runs FILE.py exactly as a proposed experiment would run: same budget, seeds, trusted evaluator and\n" +
			"acceptance rule against the task's best. The script imports the harness (import harness as H).",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(fmt.Errorf("eval takes one script, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := readScript(args[0])
			if err != nil {
				return err
			}
			t, err := loadTask(g)
			if err != nil {
				return err
			}
			if desc == "" {
				desc = "eval " + filepath.Base(args[0])
			}
			e := &research.Experiment{Mode: research.ModeEval, Category: research.CategoryOther, Description: desc, Code: code}
			return runExperiment(cmd.Context(), g, s, t, o, e)
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "what this script tries (default: its file name)")
	taskFlags(cmd, g)
	envFlags(cmd, g)
	runFlags(cmd, &o)
	return cmd
}

func readScript(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", usageErr(fmt.Errorf("script: %w", err))
	}
	if !st.Mode().IsRegular() || st.Size() > maxScriptBytes {
		return "", usageErr(fmt.Errorf("script %s must be a regular file under %d bytes", path, maxScriptBytes))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usageErr(fmt.Errorf("script: %w", err))
	}
	if !utf8.Valid(data) {
		return "", usageErr(fmt.Errorf("script %s is not UTF-8 text", path))
	}
	return string(data), nil
}
