package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aymanbagabas/go-udiff"

	"github.com/autoresearch/autoresearch/internal/research"
)

// Bounds on untrusted text stored per row.
const (
	maxExcerpt = 4000
	maxText    = 4000
)

// Create records e as a new experiment of its task: it assigns ID, Seq and
// CreatedAt and computes the diff against the parent's stored code.
func (d *DB) Create(ctx context.Context, e *research.Experiment) error {
	e.CreatedAt = d.Now().UTC()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM experiments WHERE task = ?`, e.Task).Scan(&e.Seq); err != nil {
			return err
		}
		if err := computeDiff(ctx, tx, e); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO experiments
			(task, seq, parent_id, mode, category, description, hypothesis, code, diff, status, train_seconds, seeds_planned,
			 proposer, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, propose_seconds, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			e.Task, e.Seq, e.ParentID, e.Mode, e.Category, clip(e.Description, maxText), clip(e.Hypothesis, maxText), e.Code, e.Diff,
			e.Status, e.TrainSeconds, e.SeedsPlanned, e.Cost.Proposer, e.Cost.Model, e.Cost.InputTokens, e.Cost.OutputTokens,
			e.Cost.CacheReadTokens, e.Cost.CacheWriteTokens, e.Cost.USD, e.Cost.ProposeSeconds, e.CreatedAt.Format(time.RFC3339Nano))
		if err != nil {
			return err
		}
		e.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: record experiment: %w", ErrOpen, err)
	}
	return nil
}

func computeDiff(ctx context.Context, tx *sql.Tx, e *research.Experiment) error {
	if e.ParentID == nil || e.Code == "" {
		e.Diff = ""
		return nil
	}
	var parent string
	if err := tx.QueryRowContext(ctx, `SELECT code FROM experiments WHERE id = ?`, *e.ParentID).Scan(&parent); err != nil {
		return fmt.Errorf("parent %d: %w", *e.ParentID, err)
	}
	e.Diff = udiff.Unified("parent.py", "train.py", parent, e.Code)
	return nil
}

// Finish records e's status, outcome and seed runs.
func (d *DB) Finish(ctx context.Context, e *research.Experiment) error {
	o := e.Outcome
	e.SeedsDone = 0
	for _, s := range o.Seeds {
		if s.OK {
			e.SeedsDone++
		}
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE experiments SET status = ?, metric_mean = ?, metric_std = ?, test_metric = ?,
			failure_kind = ?, failure_excerpt = ?, finished_at = ?, seeds_done = ? WHERE id = ?`,
			e.Status, o.Mean, o.Std, o.Test, o.Failure, clip(o.Excerpt, maxExcerpt), formatTime(e.FinishedAt), e.SeedsDone, e.ID)
		if err != nil {
			return err
		}
		for _, s := range o.Seeds {
			if err := insertSeed(ctx, tx, e.ID, s); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM live_seeds WHERE experiment_id = ?`, e.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: record result of experiment %d: %w", ErrOpen, e.Seq, err)
	}
	return nil
}

func insertSeed(ctx context.Context, tx *sql.Tx, expID int64, s research.SeedRun) error {
	curve, err := json.Marshal(s.Loss)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO seed_runs
		(experiment_id, seed, ok, metric, test_metric, train_seconds, wall_seconds, startup_seconds, import_seconds,
		 export_seconds, eval_seconds, exit_code, failure_kind, failure_excerpt, loss_curve)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		expID, s.Seed, s.OK, s.Metric, s.TestMetric, s.TrainSeconds, s.WallSeconds, s.StartupSeconds, s.ImportSeconds,
		s.ExportSeconds, s.EvalSeconds, s.ExitCode, s.Failure, clip(s.Excerpt, maxExcerpt), string(curve))
	return err
}

// Best returns the task's best experiment: the last one kept (each kept
// experiment beat every mean before it). Nil when none is kept.
func (d *DB) Best(ctx context.Context, task string) (*research.Experiment, error) {
	list, err := d.query(ctx, `WHERE task = ? AND status = 'kept' ORDER BY seq DESC LIMIT 1`, task)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}

// List returns the task's experiments in order, with their seed runs when
// withSeeds is set.
func (d *DB) List(ctx context.Context, task string, withSeeds bool) ([]research.Experiment, error) {
	list, err := d.query(ctx, `WHERE task = ? ORDER BY seq`, task)
	if err != nil || !withSeeds {
		return list, err
	}
	seeds, err := d.seeds(ctx, task)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Outcome.Seeds = seeds[list[i].ID]
	}
	return list, nil
}

// Tasks lists the tasks that have experiments.
func (d *DB) Tasks(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT task FROM experiments ORDER BY task`)
	if err != nil {
		return nil, fmt.Errorf("list tasks: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func formatTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// MarkInterrupted marks the task's experiments still recorded as running
// (their process died) as interrupted, and returns how many there were.
func (d *DB) MarkInterrupted(ctx context.Context, task string) (int, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE experiments SET status = 'interrupted', failure_kind = 'interrupted',
		finished_at = coalesce(finished_at, ?) WHERE task = ? AND status = 'running'`, formatTime(ptrTime(d.Now())), task)
	if err != nil {
		return 0, fmt.Errorf("%w: mark interrupted experiments: %w", ErrOpen, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

func ptrTime(t time.Time) *time.Time { return &t }
