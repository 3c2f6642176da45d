package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

const experimentCols = `id, task, seq, parent_id, mode, category, description, hypothesis, code, diff, status,
	train_seconds, seeds_planned, seeds_done, metric_mean, metric_std, test_metric, failure_kind, failure_excerpt,
	proposer, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, propose_seconds,
	created_at, finished_at`

func (d *DB) query(ctx context.Context, where string, args ...any) ([]research.Experiment, error) {
	//nolint:gosec // G202: where is a constant clause from this package; values go through args
	rows, err := d.db.QueryContext(ctx, `SELECT `+experimentCols+` FROM experiments `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("%w: read experiments: %w", ErrOpen, err)
	}
	defer rows.Close()
	var out []research.Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, fmt.Errorf("%w: read experiments: %w", ErrOpen, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanExperiment(rows *sql.Rows) (research.Experiment, error) {
	var e research.Experiment
	var created string
	var finished sql.NullString
	o, c := &e.Outcome, &e.Cost
	err := rows.Scan(&e.ID, &e.Task, &e.Seq, &e.ParentID, &e.Mode, &e.Category, &e.Description, &e.Hypothesis,
		&e.Code, &e.Diff, &e.Status, &e.TrainSeconds, &e.SeedsPlanned, &e.SeedsDone, &o.Mean, &o.Std, &o.Test, &o.Failure, &o.Excerpt,
		&c.Proposer, &c.Model, &c.InputTokens, &c.OutputTokens, &c.CacheReadTokens, &c.CacheWriteTokens, &c.USD,
		&c.ProposeSeconds, &created, &finished)
	if err != nil {
		return e, err
	}
	e.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	if finished.Valid {
		t, _ := time.Parse(time.RFC3339Nano, finished.String)
		e.FinishedAt = &t
	}
	return e, nil
}

func (d *DB) seeds(ctx context.Context, task string) (map[int64][]research.SeedRun, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT s.experiment_id, s.seed, s.ok, s.metric, s.test_metric, s.train_seconds,
		s.wall_seconds, s.startup_seconds, s.import_seconds, s.export_seconds, s.eval_seconds, s.exit_code,
		s.failure_kind, s.failure_excerpt, s.loss_curve
		FROM seed_runs s JOIN experiments e ON e.id = s.experiment_id WHERE e.task = ? ORDER BY s.id`, task)
	if err != nil {
		return nil, fmt.Errorf("read seed runs: %w", err)
	}
	defer rows.Close()
	out := map[int64][]research.SeedRun{}
	for rows.Next() {
		var id int64
		var s research.SeedRun
		var curve string
		if err := rows.Scan(&id, &s.Seed, &s.OK, &s.Metric, &s.TestMetric, &s.TrainSeconds, &s.WallSeconds,
			&s.StartupSeconds, &s.ImportSeconds, &s.ExportSeconds, &s.EvalSeconds, &s.ExitCode, &s.Failure,
			&s.Excerpt, &curve); err != nil {
			return nil, fmt.Errorf("read seed runs: %w", err)
		}
		_ = json.Unmarshal([]byte(curve), &s.Loss)
		out[id] = append(out[id], s)
	}
	return out, rows.Err()
}
