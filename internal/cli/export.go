package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/autoresearch/autoresearch/internal/research"
)

type exportOpts struct {
	Output string
	Format string
}

func newExportCmd(s Streams, g *globalOpts) *cobra.Command {
	o := exportOpts{}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the task's experiments as TSV (one row per experiment), CSV or JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), s, g, o)
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", "-", "output file (- for standard output)")
	cmd.Flags().StringVar(&o.Format, "format", "", "tsv, csv or json (default: from the file extension, else tsv)")
	taskFlags(cmd, g)
	return cmd
}

func (o *exportOpts) format() (string, error) {
	f := strings.ToLower(o.Format)
	if f == "" {
		f = "tsv"
		for _, ext := range []string{"csv", "json"} {
			if strings.HasSuffix(strings.ToLower(o.Output), "."+ext) {
				f = ext
			}
		}
	}
	if f != "tsv" && f != "csv" && f != "json" {
		return "", usageErr(fmt.Errorf("--format %q: want tsv, csv or json", o.Format))
	}
	return f, nil
}

func runExport(ctx context.Context, s Streams, g *globalOpts, o exportOpts) (err error) {
	format, err := o.format()
	if err != nil {
		return err
	}
	db, err := openDB(ctx, g)
	if err != nil {
		return err
	}
	defer closeDB(db, &err)
	list, err := db.List(ctx, taskName(g), format == "json")
	if err != nil {
		return err
	}
	return writeExport(s, o.Output, format, toRecords(list))
}

func writeExport(s Streams, path, format string, recs []jsonRecord) error {
	w := s.Out
	var f *os.File
	if path != "-" {
		var err error
		if f, err = os.Create(path); err != nil {
			return usageErr(fmt.Errorf("export: %w", err))
		}
		w = f
	}
	err := encode(w, format, recs)
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

func encode(w io.Writer, format string, recs []jsonRecord) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	}
	cw := csv.NewWriter(w)
	if format == "tsv" {
		cw.Comma = '\t'
	}
	_ = cw.Write(columns)
	for _, r := range recs {
		row := r.row()
		if format == "tsv" {
			for i := range row {
				row[i] = tsvField(row[i])
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// tsvField keeps a TSV row on one line and safe to print: tabs, newlines
// and other control characters (terminal escapes) become spaces. CSV and
// JSON keep the text exactly, quoted and escaped.
func tsvField(s string) string {
	return strings.ReplaceAll(sanitize(s, false), `"`, "'")
}

// columns of the TSV and CSV exports, one row per experiment.
var columns = []string{"seq", "parent", "task", "mode", "status", "metric", "metric_std", "test_metric", "unsealed",
	"seeds_done", "seeds_planned", "category", "failure_kind", "train_seconds", "duration_s",
	"input_tokens", "output_tokens", "cost_usd", "created_at", "description",
	"seeds_max", "accept_rule", "judged_against", "first_metric", "confirmed_metric", "budget_steps"}

// jsonRecord is one experiment as exported.
type jsonRecord struct {
	Seq            int64               `json:"seq"`    // the experiment's number within its task
	Parent         *int64              `json:"parent"` // the parent's number within the task
	Task           string              `json:"task"`
	Mode           research.Mode       `json:"mode"`
	Status         research.Status     `json:"status"`
	Metric         *float64            `json:"metric"`
	MetricStd      *float64            `json:"metric_std"`
	TestMetric     *float64            `json:"test_metric"`
	Unsealed       bool                `json:"unsealed"` // a metric obtained without full isolation
	SeedsDone      int                 `json:"seeds_done"`
	SeedsPlanned   int                 `json:"seeds_planned"`
	SeedsMax       int                 `json:"seeds_max"`        // the most its rule could give it (0: decided before rules were)
	Rule           research.AcceptRule `json:"accept_rule"`      // "": decided before rules were (by the mean rule)
	Against        *int64              `json:"judged_against"`   // the number of the best it was judged against
	FirstMetric    *float64            `json:"first_metric"`     // the mean that called for a confirmation (metric: every seed's)
	Confirmed      *float64            `json:"confirmed_metric"` // the mean of the fresh seeds run to confirm it
	Category       research.Category   `json:"category"`
	Description    string              `json:"description"`
	Hypothesis     string              `json:"hypothesis"`
	FailureKind    string              `json:"failure_kind"`
	FailureExcerpt string              `json:"failure_excerpt"`
	TrainSeconds   float64             `json:"train_seconds"` // the time budget (the ceiling, under a step budget)
	BudgetSteps    int                 `json:"budget_steps"`  // the step budget (0: a time budget)
	DurationS      float64             `json:"duration_s"`
	Cost           research.Cost       `json:"cost"`
	CreatedAt      string              `json:"created_at"`
	Code           string              `json:"code,omitempty"`
	Diff           string              `json:"diff,omitempty"`
	Seeds          []research.SeedRun  `json:"seeds,omitempty"`
}

func toRecords(list []research.Experiment) []jsonRecord {
	out := make([]jsonRecord, 0, len(list))
	for _, e := range list {
		r := jsonRecord{Seq: e.Seq, Task: e.Task, Mode: e.Mode, Status: e.Status, Metric: e.Outcome.Mean,
			MetricStd: e.Outcome.Std, TestMetric: e.Outcome.Test, Unsealed: e.Unsealed(), SeedsDone: e.SeedsDone, SeedsPlanned: e.SeedsPlanned,
			Category: e.Category, Description: e.Description, Hypothesis: e.Hypothesis,
			FailureKind: string(e.Outcome.Failure), FailureExcerpt: e.Outcome.Excerpt, TrainSeconds: e.TrainSeconds, BudgetSteps: e.BudgetSteps,
			DurationS: e.Duration().Seconds(), Cost: e.Cost, CreatedAt: e.CreatedAt.Format("2006-01-02T15:04:05Z07:00"),
			Code: e.Code, Diff: e.Diff, Seeds: e.Outcome.Seeds, Parent: e.ParentSeq,
			SeedsMax: e.SeedsMax, Rule: e.Rule, Against: e.AgainstSeq, FirstMetric: e.Outcome.First, Confirmed: e.Outcome.Confirmed}
		out = append(out, r)
	}
	return out
}

func (r jsonRecord) row() []string {
	return []string{strconv.FormatInt(r.Seq, 10), optInt(r.Parent), r.Task, string(r.Mode), string(r.Status),
		optFloat(r.Metric), optFloat(r.MetricStd), optFloat(r.TestMetric), strconv.FormatBool(r.Unsealed), strconv.Itoa(r.SeedsDone),
		strconv.Itoa(r.SeedsPlanned), string(r.Category), r.FailureKind, fmtFloat(r.TrainSeconds),
		fmtFloat(r.DurationS), strconv.FormatInt(r.Cost.InputTokens, 10), strconv.FormatInt(r.Cost.OutputTokens, 10),
		fmtFloat(r.Cost.USD), r.CreatedAt, r.Description,
		strconv.Itoa(r.SeedsMax), string(r.Rule), optInt(r.Against), optFloat(r.FirstMetric), optFloat(r.Confirmed), strconv.Itoa(r.BudgetSteps)}
}

func optInt(v *int64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatInt(*v, 10)
}

func optFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return fmtFloat(*v)
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
