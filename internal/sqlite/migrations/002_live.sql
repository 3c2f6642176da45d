-- Live progress of running experiments (one row per seed in flight), for
-- the dashboard's live loss curves. Rows go when the experiment finishes.
CREATE TABLE live_seeds (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    seed          INTEGER NOT NULL,
    phase         TEXT    NOT NULL,
    loss_curve    TEXT    NOT NULL DEFAULT '[]',
    updated_at    TEXT    NOT NULL,
    PRIMARY KEY (experiment_id, seed)
);
