package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/cache"
	"github.com/autoresearch/autoresearch/internal/runner"
	"github.com/autoresearch/autoresearch/internal/task"
)

func newTasksCmd(s Streams, g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tasks",
		Short: "List the tasks with their metric, budget and data status",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			list, err := task.BuiltIn()
			if err != nil {
				return err
			}
			if g.TaskDir != "" {
				t, err := task.Load("", g.TaskDir)
				if err != nil {
					return err
				}
				list = append(list, t)
			}
			tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TASK\tMETRIC\tBUDGET\tSEEDS\tDATA\tSOURCE")
			for _, t := range list {
				fmt.Fprintf(tw, "%s\t%s (%s)\t%gs\t%s\t%s\t%s\n", t.Name, t.Metric, t.Direction.Word(),
					t.TrainSeconds, joinSeeds(t.Seeds), dataStatus(g, s, t), t.Source)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&g.TaskDir, "task-dir", "", "also list the task folder at this path")
	envFlags(cmd, g)
	return cmd
}

// dataStatus says whether a task's data is prepared, present or missing
// without downloading or reading it.
func dataStatus(g *globalOpts, s Streams, t *task.Task) string {
	if runner.IsPrepared(cache.Dir(), t) {
		return "prepared"
	}
	found, missing := newResolver(g, s).Locate(t)
	shipped := 0
	for _, f := range missing {
		if task.Embedded(t, f) {
			shipped++
		}
	}
	switch {
	case len(missing) == 0:
		return "present"
	case shipped == len(missing):
		return "present (shipped in the binary)"
	case len(found) == 0:
		return "missing (downloads on first use)"
	}
	return fmt.Sprintf("missing %d of %d files", len(missing), len(t.Data.Files))
}
