package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/autoresearch/autoresearch/internal/research"
)

// maxPlace bounds where a seed runs, as stored.
const maxPlace = 200

// UpdateLive records the progress of a seed in flight and where it runs
// (empty: as recorded before).
func (d *DB) UpdateLive(ctx context.Context, experimentID, seed int64, phase research.Phase, place string, loss []research.LossPoint) error {
	curve, err := json.Marshal(loss)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO live_seeds (experiment_id, seed, phase, loss_curve, updated_at, place) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (experiment_id, seed) DO UPDATE SET phase = excluded.phase, loss_curve = excluded.loss_curve, updated_at = excluded.updated_at,
		place = CASE WHEN excluded.place = '' THEN live_seeds.place ELSE excluded.place END`,
		experimentID, seed, phase, string(curve), formatTime(ptrTime(d.Now())), research.Clip(place, maxPlace))
	if err != nil {
		return fmt.Errorf("%w: record live progress: %w", ErrOpen, err)
	}
	return nil
}

// Live returns the progress of the task's running experiments (read from
// the few live rows first: CROSS JOIN fixes that order).
func (d *DB) Live(ctx context.Context, task string) ([]research.LiveSeed, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT e.seq, l.seed, l.phase, l.place, l.loss_curve FROM live_seeds l
		CROSS JOIN experiments e ON e.id = l.experiment_id WHERE e.task = ? AND e.status = 'running' ORDER BY e.seq, l.seed`, task)
	if err != nil {
		return nil, fmt.Errorf("%w: read live progress: %w", ErrOpen, err)
	}
	defer rows.Close()
	var out []research.LiveSeed
	for rows.Next() {
		var s research.LiveSeed
		var curve string
		if err := rows.Scan(&s.ExperimentSeq, &s.Seed, &s.Phase, &s.Place, &curve); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(curve), &s.Loss)
		out = append(out, s)
	}
	return out, rows.Err()
}
