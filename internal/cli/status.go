package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
)

type statusOpts struct {
	JSON bool
}

func newStatusCmd(s Streams, g *globalOpts) *cobra.Command {
	o := statusOpts{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the task's experiments as a table (best marked with *)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for scripts")
	taskFlags(cmd, g)
	return cmd
}

func runStatus(ctx context.Context, s Streams, g *globalOpts, o statusOpts) (err error) {
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	name := taskName(g)
	list, err := db.List(ctx, name, o.JSON)
	if err != nil {
		return err
	}
	best, err := db.Best(ctx, name)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(s, name, best, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(s.Out, "no experiments for task %s yet: run `autoresearch baseline --task %s`\n", name, name)
		return nil
	}
	return writeTable(s, best, list)
}

// taskName is the task whose records are shown: the folder's manifest
// name with --task-dir, else --task. It does not need the task to load.
func taskName(g *globalOpts) string {
	if g.TaskDir != "" {
		if t, err := loadTask(g); err == nil {
			return t.Name
		}
	}
	return g.Task
}

func writeTable(s Streams, best *research.Experiment, list []research.Experiment) error {
	seqOf := seqIndex(list)
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tID\tPARENT\tSTATUS\tMETRIC\tSEEDS\tCATEGORY\tCOST\tDURATION\tDESCRIPTION")
	for _, e := range list {
		mark := ""
		if best != nil && e.ID == best.ID {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d/%d\t%s\t$%.3f\t%s\t%s\n", mark, e.Seq, parentLabel(e, seqOf),
			statusLabel(e), formatMetric(e.Outcome.Mean, e.Outcome.Std), e.SeedsDone, e.SeedsPlanned, e.Category,
			e.Cost.USD, formatDuration(e.Duration()), shorten(sanitize(e.Description, false), 48))
	}
	return tw.Flush()
}

func seqIndex(list []research.Experiment) map[int64]int64 {
	m := make(map[int64]int64, len(list))
	for _, e := range list {
		m[e.ID] = e.Seq
	}
	return m
}

func parentLabel(e research.Experiment, seqOf map[int64]int64) string {
	if e.ParentID == nil {
		return "-"
	}
	return fmt.Sprint(seqOf[*e.ParentID])
}

func statusLabel(e research.Experiment) string {
	if e.Status == research.StatusFailed {
		return "failed:" + string(e.Outcome.Failure)
	}
	return string(e.Status)
}

func formatDuration(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(time.Second).String()
}

func writeJSON(s Streams, task string, best *research.Experiment, list []research.Experiment) error {
	out := struct {
		Task        string       `json:"task"`
		BestID      *int64       `json:"best_id"`
		Experiments []jsonRecord `json:"experiments"`
	}{Task: task, Experiments: toRecords(list)}
	if best != nil {
		out.BestID = &best.Seq
	}
	enc := json.NewEncoder(s.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
