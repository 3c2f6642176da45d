package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/autoresearch/autoresearch/internal/research"
)

// SetGoal records the task's goal, or checks it against the one recorded
// (research.CheckGoal). A task without experiments takes the new goal:
// nothing was ranked by the old one. Recording moves the task's version,
// so that readers that cache (the dashboard) rank again.
func (d *DB) SetGoal(ctx context.Context, task string, g research.Goal) error {
	if !g.Direction.Valid() || g.Metric == "" {
		return fmt.Errorf("task %s: goal %s: want a metric name and minimize or maximize", task, g)
	}
	if recorded, _, err := recordedGoal(ctx, d.db, task); err != nil || (recorded != nil && *recorded == g) {
		return err
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		recorded, n, err := recordedGoal(ctx, tx, task) // again, inside the write: another process may have been first
		switch {
		case err != nil:
			return err
		case recorded != nil && n > 0:
			return research.CheckGoal(task, recorded, g)
		}
		return writeGoal(ctx, tx, task, g)
	})
	if err != nil && !errors.Is(err, research.ErrGoalChanged) {
		return fmt.Errorf("%w: record the goal of task %s: %w", ErrOpen, task, err)
	}
	return err
}

func writeGoal(ctx context.Context, tx *sql.Tx, task string, g research.Goal) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO task_stats (task) VALUES (?) ON CONFLICT (task) DO NOTHING`, task); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE task_stats SET metric = ?, direction = ?, version = version + 1 WHERE task = ?`,
		g.Metric, g.Direction, task)
	return err
}

// Goal returns the task's recorded goal; nil when none is (a task
// recorded before goals were, or none at all).
func (d *DB) Goal(ctx context.Context, task string) (*research.Goal, error) {
	g, _, err := recordedGoal(ctx, d.db, task)
	return g, err
}

// querier is what reads need of a *sql.DB or a *sql.Tx.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// recordedGoal reads the task's recorded goal (nil when none is) and how
// many experiments the task has.
func recordedGoal(ctx context.Context, q querier, task string) (*research.Goal, int, error) {
	var g research.Goal
	var n int
	err := q.QueryRowContext(ctx, `SELECT metric, direction, experiments FROM task_stats WHERE task = ?`, task).
		Scan(&g.Metric, &g.Direction, &n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("%w: read the goal of task %s: %w", ErrOpen, task, err)
	case g.Direction == "":
		return nil, n, nil
	}
	return &g, n, nil
}

// InferredGoal is the goal of a task recorded before goals were, read
// from its keeps: under the rule such databases were written with, each
// keep beat the one kept before it, so the last kept mean lies above the
// first when higher is better (else lower is taken as better). Its
// metric is "metric"; keeps says how many kept means it read (under two,
// the direction is only a default).
func (d *DB) InferredGoal(ctx context.Context, task string) (g research.Goal, keeps int, err error) {
	var first, last *float64
	err = d.db.QueryRowContext(ctx, `SELECT count(*),
		(SELECT metric_mean FROM experiments WHERE task = ?1 AND status = 'kept' AND metric_mean IS NOT NULL ORDER BY seq LIMIT 1),
		(SELECT metric_mean FROM experiments WHERE task = ?1 AND status = 'kept' AND metric_mean IS NOT NULL ORDER BY seq DESC LIMIT 1)
		FROM experiments WHERE task = ?1 AND status = 'kept' AND metric_mean IS NOT NULL`, task).Scan(&keeps, &first, &last)
	if err != nil {
		return g, 0, fmt.Errorf("%w: read the keeps of task %s: %w", ErrOpen, task, err)
	}
	g = research.Goal{Metric: "metric", Direction: research.Minimize}
	if first != nil && last != nil && *last > *first {
		g.Direction = research.Maximize
	}
	return g, keeps, nil
}

// rankingGoal is the goal the task's experiments are ranked by: the
// recorded one, else the inferred one.
func (d *DB) rankingGoal(ctx context.Context, task string) (research.Goal, error) {
	if recorded, _, err := recordedGoal(ctx, d.db, task); err != nil || recorded != nil {
		return *cmp.Or(recorded, &research.Goal{}), err
	}
	g, _, err := d.InferredGoal(ctx, task)
	return g, err
}

// bestClause selects the task's best experiment ranked by g: the SQL of
// research.Direction.Ahead (the best mean, the first numbered among
// equals).
func bestClause(g research.Goal) string {
	order := `ORDER BY e.metric_mean, e.seq`
	if g.Direction == research.Maximize {
		order = `ORDER BY e.metric_mean DESC, e.seq`
	}
	return `WHERE e.task = ? AND e.status = 'kept' AND e.metric_mean IS NOT NULL ` + order + ` LIMIT 1`
}

// Best returns the task's best experiment (without code) by its ranking
// goal, or nil when none is kept.
func (d *DB) Best(ctx context.Context, task string) (*research.Experiment, error) {
	g, err := d.rankingGoal(ctx, task)
	if err != nil {
		return nil, err
	}
	list, err := d.query(ctx, bestClause(g), task)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[0], nil
}
