package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/autoresearch/autoresearch/internal/research"
)

// Import records finished experiments, with their code, diffs, outcomes
// and seed runs as given, in one transaction (fixtures, benchmarks and
// imports). It assigns ID and Seq; the parent is named by ParentID or,
// without one, by ParentSeq within the task.
func (d *DB) Import(ctx context.Context, list []research.Experiment) error {
	if len(list) == 0 {
		return nil
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM experiments WHERE task = ?`, list[0].Task).Scan(&seq); err != nil {
			return err
		}
		for i := range list {
			e := &list[i]
			if e.Task != list[0].Task {
				return fmt.Errorf("one task per import: %s and %s", list[0].Task, e.Task)
			}
			seq++
			e.Seq = seq
			if e.ParentID == nil && e.ParentSeq != nil {
				e.ParentID = new(int64)
				if err := tx.QueryRowContext(ctx, `SELECT id FROM experiments WHERE task = ? AND seq = ?`, e.Task, *e.ParentSeq).Scan(e.ParentID); err != nil {
					return fmt.Errorf("parent #%d of #%d: %w", *e.ParentSeq, e.Seq, err)
				}
			}
			if err := insertExperiment(ctx, tx, e); err != nil {
				return err
			}
			if err := finish(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: import experiments: %w", ErrOpen, err)
	}
	return nil
}
