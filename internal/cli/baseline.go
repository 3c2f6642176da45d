package cli

import (
	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
)

func newBaselineCmd(s Streams, g *globalOpts) *cobra.Command {
	o := runOpts{}
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Run the task's baseline script and record it",
		Long: "Runs the task's own baseline.py through the harness (every seed, trusted evaluator) and records it.\n" +
			"The first baseline of a task becomes its best; running it again adds a new measurement.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := loadTask(g)
			if err != nil {
				return err
			}
			e := &research.Experiment{Mode: research.ModeBaseline, Category: research.CategoryOther,
				Description: "baseline", Code: t.Baseline}
			return runExperiment(cmd.Context(), g, s, t, o, e)
		},
	}
	taskFlags(cmd, g)
	envFlags(cmd, g)
	runFlags(cmd, &o)
	return cmd
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageErr(err)
	}
	return nil
}
