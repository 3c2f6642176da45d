package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/autoresearch/autoresearch/internal/research"
)

// Stats summarizes the task's experiments from the counts the store's
// triggers keep (one row) and a few indexed reads.
func (d *DB) Stats(ctx context.Context, task string) (research.Stats, error) {
	var st research.Stats
	var first, last sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT coalesce(max(experiments), 0), coalesce(max(kept), 0), coalesce(max(failed), 0),
		coalesce(max(running), 0), coalesce(max(spent_usd), 0),
		(SELECT created_at FROM experiments WHERE task = ?1 ORDER BY seq LIMIT 1),
		(SELECT created_at FROM experiments WHERE task = ?1 ORDER BY seq DESC LIMIT 1),
		(SELECT metric_mean FROM experiments WHERE task = ?1 AND mode = 'baseline' AND metric_mean IS NOT NULL ORDER BY seq LIMIT 1)
		FROM task_stats WHERE task = ?1`, task).Scan(&st.Experiments, &st.Kept, &st.Failed, &st.Running, &st.SpentUSD,
		&first, &last, &st.Baseline)
	if err != nil {
		return st, fmt.Errorf("%w: summarize experiments: %w", ErrOpen, err)
	}
	st.First, _ = time.Parse(time.RFC3339Nano, first.String)
	st.Last, _ = time.Parse(time.RFC3339Nano, last.String)
	if st.Goal, err = d.Goal(ctx, task); err != nil {
		return st, err
	}
	standing, err := d.Standing(ctx, task) // the best (Best's) and the noise floor
	if st.Noise = standing.Noise; err != nil || standing.BestID == 0 {
		return st, err
	}
	list, err := d.query(ctx, `WHERE e.id = ?`, standing.BestID)
	if len(list) == 1 {
		st.Best = &list[0]
	}
	return st, err
}

// pageOrder maps research.SortKeys to SQL.
var pageOrder = map[string]string{
	"seq": "e.seq", "status": "e.status", "mean": "e.metric_mean", "category": "e.category", "mode": "e.mode",
	"description": "e.description", "cost": "e.cost_usd",
	"duration": "julianday(coalesce(e.finished_at, e.created_at)) - julianday(e.created_at)",
}

// MaxPage bounds the rows of one page.
const MaxPage = 1000

// Page returns one page of the task's experiments (without code) in the
// asked order; ties go by number. An unknown sort key is an error.
func (d *DB) Page(ctx context.Context, task string, p research.Page) ([]research.Experiment, error) {
	if err := research.CheckSort(p.Sort); err != nil {
		return nil, err
	}
	col := pageOrder[p.Sort]
	dir := " ASC"
	if p.Desc {
		dir = " DESC"
	}
	limit := min(max(p.Limit, 1), MaxPage)
	return d.query(ctx, `WHERE e.task = ? ORDER BY `+col+dir+`, e.id`+dir+` LIMIT ? OFFSET ?`, task, limit, max(p.Offset, 0))
}

// Points returns the task's experiments numbered above after that have a
// metric, for charts, and the number up to which every experiment has
// finished (points up to it will not change).
func (d *DB) Points(ctx context.Context, task string, after int64) ([]research.Point, int64, error) {
	var settled int64
	err := d.db.QueryRowContext(ctx, `SELECT coalesce((SELECT min(seq) - 1 FROM experiments WHERE task = ?1 AND status = 'running'),
		(SELECT max(seq) FROM experiments WHERE task = ?1), 0)`, task).Scan(&settled)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: read chart points: %w", ErrOpen, err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT seq, status, metric_mean FROM experiments
		WHERE task = ? AND seq > ? AND metric_mean IS NOT NULL ORDER BY seq`, task, after)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: read chart points: %w", ErrOpen, err)
	}
	defer rows.Close()
	out := []research.Point{}
	for rows.Next() {
		var p research.Point
		if err := rows.Scan(&p.Seq, &p.Status, &p.Mean); err != nil {
			return nil, 0, fmt.Errorf("%w: read chart points: %w", ErrOpen, err)
		}
		out = append(out, p)
	}
	return out, settled, rows.Err()
}

// Version is a number that changes whenever one of the task's experiments
// is recorded or updated (by any process); 0 for a task with none.
func (d *DB) Version(ctx context.Context, task string) (int64, error) {
	var v int64
	err := d.db.QueryRowContext(ctx, `SELECT coalesce((SELECT version FROM task_stats WHERE task = ?), 0)`, task).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("%w: read version: %w", ErrOpen, err)
	}
	return v, nil
}
