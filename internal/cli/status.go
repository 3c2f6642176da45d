package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
	"github.com/autoresearch/autoresearch/internal/sqlite"
)

// defaultLast is how many of the latest experiments status shows.
const defaultLast = 50

type statusOpts struct {
	JSON bool
	All  bool
	Last int
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
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON for scripts (with code and seed runs)")
	cmd.Flags().BoolVar(&o.All, "all", false, "show every experiment, not only the last ones")
	cmd.Flags().IntVar(&o.Last, "last", defaultLast, "show the last `N` experiments")
	taskFlags(cmd, g)
	return cmd
}

func runStatus(ctx context.Context, s Streams, g *globalOpts, o statusOpts) (err error) {
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	if o.Last < 1 {
		return usageErr(fmt.Errorf("--last must be at least 1, not %d", o.Last))
	}
	name := taskName(g)
	if _, err := newGoals(db, g, s.Err).of(ctx, name); err != nil { // a database from before goals were gets one
		return err
	}
	st, err := db.Stats(ctx, name)
	if err != nil {
		return err
	}
	list, err := statusRows(ctx, db, name, o)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(s, name, st, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(s.Out, "no experiments for task %s yet: run `autoresearch baseline --task %s`\n", name, name)
		return nil
	}
	if err := writeTable(s, st.Best, list); err != nil {
		return err
	}
	if err := writeRunning(ctx, s, db, name); err != nil {
		return err
	}
	if len(list) < st.Experiments {
		fmt.Fprintf(s.Out, "(the last %d of %d experiments; --all shows every one%s)\n", len(list), st.Experiments, bestNote(st.Best))
	}
	fmt.Fprintln(s.Out, noiseNote(st.Noise))
	return nil
}

// noiseNote says the task's noise floor, or that none is measured yet.
func noiseNote(n research.Noise) string {
	if !n.Measured() {
		return "noise floor: not measured yet (a baseline with several seeds measures it); until then keeps need only a better mean"
	}
	return fmt.Sprintf("noise floor: one seed strays ±%.4g (pooled std over %d degrees of freedom: the baselines' seeds and the keeps' confirmation seeds)",
		n.Std, n.DF)
}

// writeRunning says where each seed in flight runs (a device and its
// cores, or a cluster job and its node).
func writeRunning(ctx context.Context, s Streams, db *sqlite.DB, task string) error {
	live, err := db.Live(ctx, task)
	if err != nil {
		return err
	}
	for _, l := range live {
		where := ""
		if l.Place != "" {
			where = " on " + l.Place
		}
		fmt.Fprintf(s.Out, "running: #%d seed %d %s%s\n", l.ExperimentSeq, l.Seed, l.Phase, where)
	}
	return nil
}

// statusRows are the experiments status shows, in order: every one with
// --all, else the last ones; with code and seed runs for JSON.
func statusRows(ctx context.Context, db *sqlite.DB, name string, o statusOpts) ([]research.Experiment, error) {
	var list []research.Experiment
	var err error
	if o.All {
		list, err = db.List(ctx, name, false)
	} else {
		list, err = db.Page(ctx, name, research.Page{Sort: "seq", Desc: true, Limit: min(o.Last, sqlite.MaxPage)})
		slices.Reverse(list)
	}
	if err != nil || !o.JSON {
		return list, err
	}
	return list, db.Fill(ctx, list)
}

func bestNote(best *research.Experiment) string {
	if best == nil {
		return ""
	}
	return fmt.Sprintf("; best: #%d %s", best.Seq, formatMetric(best.Outcome.Mean, best.Outcome.Std))
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
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tSEQ\tPARENT\tSTATUS\tMETRIC\tSEEDS\tCATEGORY\tCOST\tDURATION\tDESCRIPTION")
	unsealed := false
	for _, e := range list {
		mark := ""
		if best != nil && e.ID == best.ID {
			mark = "*"
		}
		unsealed = unsealed || e.Unsealed()
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d/%d\t%s\t$%.3f\t%s\t%s\n", mark, e.Seq, parentLabel(e),
			statusLabel(e), metricLabel(e), e.SeedsDone, e.SeedsPlanned, e.Category,
			e.Cost.USD, formatDuration(e.Duration()), research.Clip(sanitize(e.Description, false), 48))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if unsealed {
		fmt.Fprintln(s.Out, unsealedNote)
	}
	return nil
}

// unsealedNote explains the mark on metrics obtained without full isolation.
const unsealedNote = "(unsealed: obtained without full isolation, or before the seal existed; " +
	"held-out data may have been within the script's reach)"

// metricLabel is an experiment's mean ± std, marked when unsealed.
func metricLabel(e research.Experiment) string {
	m := formatMetric(e.Outcome.Mean, e.Outcome.Std)
	if e.Unsealed() {
		m += " unsealed"
	}
	return m
}

func parentLabel(e research.Experiment) string {
	if e.ParentSeq == nil {
		return "-"
	}
	return fmt.Sprint(*e.ParentSeq)
}

func statusLabel(e research.Experiment) string {
	switch {
	case e.Status == research.StatusFailed:
		return "failed:" + string(e.Outcome.Failure)
	case e.MoreSeeds():
		return "running: more seeds"
	}
	return string(e.Status)
}

func formatDuration(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(time.Second).String()
}

func writeJSON(s Streams, task string, st research.Stats, list []research.Experiment) error {
	out := struct {
		Task        string             `json:"task"`
		Metric      string             `json:"metric,omitempty"`
		Direction   research.Direction `json:"direction,omitempty"`
		BestSeq     *int64             `json:"best_seq"`
		NoiseStd    *float64           `json:"noise_std"`
		NoiseDF     int                `json:"noise_df"`
		Experiments []jsonRecord       `json:"experiments"`
	}{Task: task, Experiments: toRecords(list), NoiseDF: st.Noise.DF}
	if st.Noise.Measured() {
		out.NoiseStd = &st.Noise.Std
	}
	if st.Goal != nil {
		out.Metric, out.Direction = st.Goal.Metric, st.Goal.Direction
	}
	if st.Best != nil {
		out.BestSeq = &st.Best.Seq
	}
	enc := json.NewEncoder(s.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
