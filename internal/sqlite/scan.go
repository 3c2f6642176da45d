package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// experimentCols are the light columns of an experiment (no code, diff or
// seed runs) with the parent's number.
const experimentCols = `e.id, e.task, e.seq, e.parent_id, (SELECT p.seq FROM experiments p WHERE p.id = e.parent_id),
	e.mode, e.category, e.description, e.hypothesis, e.status,
	e.train_seconds, e.seeds_planned, e.seeds_done, e.metric_mean, e.metric_std, e.test_metric, e.failure_kind, e.failure_excerpt,
	e.proposer, e.model, e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens, e.cost_usd, e.propose_seconds,
	e.created_at, e.finished_at, e.sealed, e.accept_rule, e.seeds_max, e.first_mean, e.confirmed_mean, e.against_id, (SELECT a.seq FROM experiments a WHERE a.id = e.against_id),
	CASE WHEN e.status = 'running' THEN (SELECT count(*) FROM live_seeds l WHERE l.experiment_id = e.id) ELSE 0 END, e.budget_steps`

// query reads experiments (light) with a clause that follows FROM experiments e.
func (d *DB) query(ctx context.Context, clause string, args ...any) ([]research.Experiment, error) {
	//nolint:gosec // G202: clause is a constant from this package; values go through args
	rows, err := d.db.QueryContext(ctx, `SELECT `+experimentCols+` FROM experiments e `+clause, args...)
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
	err := rows.Scan(&e.ID, &e.Task, &e.Seq, &e.ParentID, &e.ParentSeq, &e.Mode, &e.Category, &e.Description, &e.Hypothesis,
		&e.Status, &e.TrainSeconds, &e.SeedsPlanned, &e.SeedsDone, &o.Mean, &o.Std, &o.Test, &o.Failure, &o.Excerpt,
		&c.Proposer, &c.Model, &c.InputTokens, &c.OutputTokens, &c.CacheReadTokens, &c.CacheWriteTokens, &c.USD,
		&c.ProposeSeconds, &created, &finished, &o.Sealed, &e.Rule, &e.SeedsMax, &o.First, &o.Confirmed, &e.AgainstID, &e.AgainstSeq, &e.SeedsStarted,
		&e.BudgetSteps)
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

// Fill loads the code, diff and seed runs of the given experiments (a
// handful: the candidates of a proposal, a report's top rows).
func (d *DB) Fill(ctx context.Context, list []research.Experiment) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]any, len(list))
	for i := range list {
		ids[i] = list[i].ID
	}
	in := "WHERE e.id IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	return d.fill(ctx, list, in, ids...)
}

// fill loads code, diffs and seed runs selected by a clause over
// experiments e into the matching members of list.
func (d *DB) fill(ctx context.Context, list []research.Experiment, clause string, args ...any) error {
	at := make(map[int64]*research.Experiment, len(list))
	for i := range list {
		at[list[i].ID] = &list[i]
	}
	if err := d.fillCode(ctx, at, clause, args); err != nil {
		return fmt.Errorf("%w: read code: %w", ErrOpen, err)
	}
	seeds, err := d.seeds(ctx, clause, args...)
	if err != nil {
		return err
	}
	for id, e := range at {
		e.Outcome.Seeds = seeds[id]
	}
	return nil
}

func (d *DB) fillCode(ctx context.Context, at map[int64]*research.Experiment, clause string, args []any) error {
	//nolint:gosec // G202: clause is a constant from this package; values go through args
	rows, err := d.db.QueryContext(ctx, `SELECT c.experiment_id, c.code, c.diff FROM experiment_code c
		JOIN experiments e ON e.id = c.experiment_id `+clause, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code, diff string
		if err := rows.Scan(&id, &code, &diff); err != nil {
			return err
		}
		if e := at[id]; e != nil {
			e.Code, e.Diff = code, diff
		}
	}
	return rows.Err()
}

// seeds reads seed runs with a clause over seed_runs s joined to experiments e.
func (d *DB) seeds(ctx context.Context, clause string, args ...any) (map[int64][]research.SeedRun, error) {
	//nolint:gosec // G202: clause is a constant from this package; values go through args
	rows, err := d.db.QueryContext(ctx, `SELECT s.experiment_id, s.seed, s.ok, s.metric, s.test_metric, s.train_seconds,
		s.wall_seconds, s.startup_seconds, s.import_seconds, s.export_seconds, s.eval_seconds, s.test_seconds, s.exit_code,
		s.failure_kind, s.failure_excerpt, s.loss_curve, s.sealed, s.confirm, s.steps
		FROM seed_runs s JOIN experiments e ON e.id = s.experiment_id `+clause+` ORDER BY s.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("%w: read seed runs: %w", ErrOpen, err)
	}
	defer rows.Close()
	out := map[int64][]research.SeedRun{}
	for rows.Next() {
		var id int64
		var s research.SeedRun
		var curve string
		if err := rows.Scan(&id, &s.Seed, &s.OK, &s.Metric, &s.TestMetric, &s.TrainSeconds, &s.WallSeconds,
			&s.StartupSeconds, &s.ImportSeconds, &s.ExportSeconds, &s.EvalSeconds, &s.TestSeconds, &s.ExitCode, &s.Failure,
			&s.Excerpt, &curve, &s.Sealed, &s.Confirm, &s.Steps); err != nil {
			return nil, fmt.Errorf("%w: read seed runs: %w", ErrOpen, err)
		}
		_ = json.Unmarshal([]byte(curve), &s.Loss)
		out[id] = append(out[id], s)
	}
	return out, rows.Err()
}
