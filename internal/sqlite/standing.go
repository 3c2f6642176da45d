package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/autoresearch/autoresearch/internal/research"
)

// reader is what reads of many rows need of a *sql.DB or a *sql.Tx.
type reader interface {
	querier
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Standing implements research.Store: the task's best by its ranking goal
// and its noise floor, now.
func (d *DB) Standing(ctx context.Context, task string) (research.Standing, error) {
	g, err := d.rankingGoal(ctx, task)
	if err != nil {
		return research.Standing{}, err
	}
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // the best and the floor from one snapshot
	if err != nil {
		return research.Standing{}, fmt.Errorf("%w: read the standing of task %s: %w", ErrOpen, task, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only: nothing to undo
	return standing(ctx, tx, task, g)
}

// measuredQuery reads the experiments whose seeds may tell of the noise
// floor, with those seeds (research.NewStanding has the last word): every
// seed of the baselines with a metric, the confirmation seeds of kept
// experiments (through their partial index: not every seed of every keep,
// at 100,000 experiments), and the best (with or without seeds). A seed
// read twice is one row (UNION, by its id). Its arguments: the task, the
// best's ID.
const measuredQuery = `SELECT e.id, s.id, e.mode, e.status, e.failure_kind, e.metric_mean, s.ok, s.metric, s.confirm
		FROM experiments e JOIN seed_runs s ON s.experiment_id = e.id
		WHERE e.task = ?1 AND e.mode = 'baseline' AND e.metric_mean IS NOT NULL
	UNION SELECT e.id, s.id, e.mode, e.status, e.failure_kind, e.metric_mean, s.ok, s.metric, s.confirm
		FROM seed_runs s CROSS JOIN experiments e ON e.id = s.experiment_id
		WHERE s.confirm AND e.task = ?1 AND e.status = 'kept' AND e.metric_mean IS NOT NULL
	UNION SELECT e.id, s.id, e.mode, e.status, e.failure_kind, e.metric_mean, s.ok, s.metric, s.confirm
		FROM experiments e LEFT JOIN seed_runs s ON s.experiment_id = e.id
		WHERE e.id = ?2 AND e.task = ?1 AND e.metric_mean IS NOT NULL
	ORDER BY 1, 2`

// standing reads the task's standing ranked by g through q (inside a
// decision's write, or not).
func standing(ctx context.Context, q reader, task string, g research.Goal) (research.Standing, error) {
	var bestID int64
	err := q.QueryRowContext(ctx, `SELECT e.id FROM experiments e `+bestClause(g), task).Scan(&bestID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return research.Standing{}, fmt.Errorf("%w: read the best of task %s: %w", ErrOpen, task, err)
	}
	list, err := measured(ctx, q, task, bestID)
	if err != nil {
		return research.Standing{}, fmt.Errorf("%w: read the noise floor of task %s: %w", ErrOpen, task, err)
	}
	var best *research.Experiment
	for i := range list {
		if list[i].ID == bestID {
			best = &list[i]
		}
	}
	return research.NewStanding(best, list), nil
}

// measured reads the experiments and seeds of measuredQuery with what
// research.NewStanding reads: mode, status, failure, mean and metrics.
func measured(ctx context.Context, q reader, task string, bestID int64) ([]research.Experiment, error) {
	rows, err := q.QueryContext(ctx, measuredQuery, task, bestID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []research.Experiment
	for rows.Next() {
		var e research.Experiment
		var ok, confirm sql.NullBool
		var seedID sql.NullInt64
		var metric *float64
		if err := rows.Scan(&e.ID, &seedID, &e.Mode, &e.Status, &e.Outcome.Failure, &e.Outcome.Mean, &ok, &metric, &confirm); err != nil {
			return nil, err
		}
		if n := len(list); n == 0 || list[n-1].ID != e.ID {
			list = append(list, e)
		}
		if ok.Valid {
			last := &list[len(list)-1]
			last.Outcome.Seeds = append(last.Outcome.Seeds, research.SeedRun{OK: ok.Bool, Metric: metric, Confirm: confirm.Bool})
		}
	}
	return list, rows.Err()
}
