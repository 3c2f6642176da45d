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

var _ research.LoopStore = (*DB)(nil)

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
		return insertExperiment(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("%w: record experiment: %w", ErrOpen, err)
	}
	return nil
}

func insertExperiment(ctx context.Context, tx *sql.Tx, e *research.Experiment) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO experiments
		(task, seq, parent_id, mode, category, description, hypothesis, status, train_seconds, budget_steps, seeds_planned, accept_rule, seeds_max,
		 proposer, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, propose_seconds, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Task, e.Seq, e.ParentID, e.Mode, e.Category, research.Clip(e.Description, maxText), research.Clip(e.Hypothesis, maxText),
		e.Status, e.TrainSeconds, e.BudgetSteps, e.SeedsPlanned, e.Rule, e.SeedsMax, e.Cost.Proposer, e.Cost.Model, e.Cost.InputTokens, e.Cost.OutputTokens,
		e.Cost.CacheReadTokens, e.Cost.CacheWriteTokens, e.Cost.USD, e.Cost.ProposeSeconds, e.CreatedAt.Format(time.RFC3339Nano))
	if err != nil {
		return err
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO experiment_code (experiment_id, code, diff) VALUES (?, ?, ?)`, e.ID, e.Code, e.Diff)
	return err
}

func computeDiff(ctx context.Context, tx *sql.Tx, e *research.Experiment) error {
	if e.ParentID == nil || e.Code == "" {
		e.Diff = ""
		return nil
	}
	var parent string
	if err := tx.QueryRowContext(ctx, `SELECT code FROM experiment_code WHERE experiment_id = ?`, *e.ParentID).Scan(&parent); err != nil {
		return fmt.Errorf("parent %d: %w", *e.ParentID, err)
	}
	e.Diff = udiff.Unified("parent.py", "train.py", parent, e.Code)
	return nil
}

// Finish records e's status, outcome and seed runs.
func (d *DB) Finish(ctx context.Context, e *research.Experiment) error {
	return d.record(ctx, e, func(*sql.Tx) error { return nil })
}

// record writes e's result in one transaction, after decide (which may
// set e's status) has run inside it.
func (d *DB) record(ctx context.Context, e *research.Experiment, decide func(*sql.Tx) error) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := decide(tx); err != nil {
			return err
		}
		return finish(ctx, tx, e)
	})
	if err != nil {
		return fmt.Errorf("%w: record result of experiment %d: %w", ErrOpen, e.Seq, err)
	}
	return nil
}

func finish(ctx context.Context, tx *sql.Tx, e *research.Experiment) error {
	o := e.Outcome
	_, err := tx.ExecContext(ctx, `UPDATE experiments SET status = ?, metric_mean = ?, metric_std = ?, test_metric = ?,
		failure_kind = ?, failure_excerpt = ?, finished_at = ?, seeds_done = ?, sealed = ?, against_id = ?, first_mean = ?,
		confirmed_mean = ? WHERE id = ?`,
		e.Status, o.Mean, o.Std, o.Test, o.Failure, research.Clip(o.Excerpt, maxExcerpt), formatTime(e.FinishedAt), e.SeedsDone, o.Sealed,
		e.AgainstID, o.First, o.Confirmed, e.ID)
	if err != nil {
		return err
	}
	if err := insertSeeds(ctx, tx, e.ID, o.Seeds); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM live_seeds WHERE experiment_id = ?`, e.ID)
	return err
}

func insertSeeds(ctx context.Context, tx *sql.Tx, expID int64, seeds []research.SeedRun) error {
	for _, s := range seeds {
		if err := insertSeed(ctx, tx, expID, s); err != nil {
			return err
		}
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
		 export_seconds, eval_seconds, test_seconds, exit_code, failure_kind, failure_excerpt, loss_curve, sealed, confirm, steps)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		expID, s.Seed, s.OK, s.Metric, s.TestMetric, s.TrainSeconds, s.WallSeconds, s.StartupSeconds, s.ImportSeconds,
		s.ExportSeconds, s.EvalSeconds, s.TestSeconds, s.ExitCode, s.Failure, research.Clip(s.Excerpt, maxExcerpt), string(curve), s.Sealed, s.Confirm, s.Steps)
	return err
}

// Decide records e's outcome with its status decided, inside the write,
// against the task's standing at that moment by its recorded goal (see
// research.Store).
func (d *DB) Decide(ctx context.Context, e *research.Experiment) error {
	return d.record(ctx, e, func(tx *sql.Tx) error {
		g, _, err := recordedGoal(ctx, tx, e.Task)
		if err != nil {
			return err
		}
		if g == nil {
			return fmt.Errorf("task %s has no goal recorded (SetGoal first)", e.Task)
		}
		st, err := standing(ctx, tx, e.Task, *g)
		if err != nil {
			return err
		}
		research.Conclude(e, g.Direction, st)
		now := time.Now()
		e.FinishedAt = &now
		return nil
	})
}

// List returns the task's experiments in order. Without full they carry
// no code, diff or seed runs (see Fill); with it they carry all three.
func (d *DB) List(ctx context.Context, task string, full bool) ([]research.Experiment, error) {
	list, err := d.query(ctx, `WHERE e.task = ? ORDER BY e.seq`, task)
	if err != nil || !full {
		return list, err
	}
	return list, d.fill(ctx, list, `WHERE e.task = ?`, task)
}

// Get returns one experiment with its code, diff and seed runs; nil when
// the task has no experiment with that number.
func (d *DB) Get(ctx context.Context, task string, seq int64) (*research.Experiment, error) {
	list, err := d.query(ctx, `WHERE e.task = ? AND e.seq = ?`, task, seq)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], d.Fill(ctx, list)
}

// Tasks lists the tasks that have experiments.
func (d *DB) Tasks(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT task FROM task_stats WHERE experiments > 0 ORDER BY task`)
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
