-- Experiments of every task share one table; seq numbers them per task.
CREATE TABLE experiments (
    id                 INTEGER PRIMARY KEY,
    task               TEXT    NOT NULL,
    seq                INTEGER NOT NULL,
    parent_id          INTEGER REFERENCES experiments(id),
    mode               TEXT    NOT NULL,
    category           TEXT    NOT NULL DEFAULT '',
    description        TEXT    NOT NULL DEFAULT '',
    hypothesis         TEXT    NOT NULL DEFAULT '',
    code               TEXT    NOT NULL,
    diff               TEXT    NOT NULL DEFAULT '',
    status             TEXT    NOT NULL,
    train_seconds      REAL    NOT NULL,
    seeds_planned      INTEGER NOT NULL,
    metric_mean        REAL,
    metric_std         REAL,
    test_metric        REAL,
    failure_kind       TEXT    NOT NULL DEFAULT '',
    failure_excerpt    TEXT    NOT NULL DEFAULT '',
    proposer           TEXT    NOT NULL DEFAULT '',
    model              TEXT    NOT NULL DEFAULT '',
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd           REAL    NOT NULL DEFAULT 0,
    propose_seconds    REAL    NOT NULL DEFAULT 0,
    created_at         TEXT    NOT NULL,
    finished_at        TEXT,
    UNIQUE (task, seq)
);

CREATE INDEX experiments_task_status ON experiments (task, status, seq);

CREATE TABLE seed_runs (
    id              INTEGER PRIMARY KEY,
    experiment_id   INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    seed            INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    metric          REAL,
    test_metric     REAL,
    train_seconds   REAL    NOT NULL DEFAULT 0,
    wall_seconds    REAL    NOT NULL DEFAULT 0,
    startup_seconds REAL    NOT NULL DEFAULT 0,
    import_seconds  REAL    NOT NULL DEFAULT 0,
    export_seconds  REAL    NOT NULL DEFAULT 0,
    eval_seconds    REAL    NOT NULL DEFAULT 0,
    exit_code       INTEGER NOT NULL DEFAULT 0,
    failure_kind    TEXT    NOT NULL DEFAULT '',
    failure_excerpt TEXT    NOT NULL DEFAULT '',
    loss_curve      TEXT    NOT NULL DEFAULT '[]',
    UNIQUE (experiment_id, seed)
);
