package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/report"
	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

type reportOpts struct {
	Output string
}

func newReportCmd(s Streams, g *globalOpts) *cobra.Command {
	o := reportOpts{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write a self-contained HTML report of the task (opens offline, no network request)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "report.html", "output file (- for standard output)")
	taskFlags(cmd, g)
	return cmd
}

func runReport(ctx context.Context, s Streams, g *globalOpts, o reportOpts) (err error) {
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	name := taskName(g)
	list, err := db.List(ctx, name, false)
	if err != nil {
		return err
	}
	goal, err := newGoals(db, g, s.Err).of(ctx, name)
	if err != nil {
		return err
	}
	standing, err := db.Standing(ctx, name)
	if err != nil {
		return err
	}
	if err := fillMeasured(ctx, db, list); err != nil {
		return err
	}
	in := report.Input{Task: name, Goal: goal, Experiments: list, Noise: standing.Noise}
	in.Top = research.Candidates(list, in.Direction, report.TopN)
	if err := db.Fill(ctx, in.Top); err != nil {
		return err
	}
	if in.Landscape, err = explain(ctx, db, pythonOnce(g), name, in.Direction); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, in); err != nil {
		return err
	}
	if o.Output == "-" {
		_, err = s.Out.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(o.Output, buf.Bytes(), 0o644); err != nil {
		return usageErr(fmt.Errorf("report: %w", err))
	}
	fmt.Fprintf(s.Out, "wrote %s (%d experiments, %d KiB)\n", o.Output, len(list), buf.Len()/1024)
	return nil
}

// fillMeasured loads the seed runs of list's kept experiments and
// baselines: what the report's improvement intervals weigh.
func fillMeasured(ctx context.Context, db *sqlite.DB, list []research.Experiment) error {
	var at []int
	var sub []research.Experiment
	for i, e := range list {
		if e.Status == research.StatusKept || e.Mode == research.ModeBaseline {
			at, sub = append(at, i), append(sub, e)
		}
	}
	if err := db.Fill(ctx, sub); err != nil {
		return err
	}
	for j, i := range at {
		list[i].Outcome.Seeds = sub[j].Outcome.Seeds
	}
	return nil
}
