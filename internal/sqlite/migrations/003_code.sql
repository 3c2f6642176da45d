-- Code and diffs move to their own table: lists, stats and charts read
-- only the small experiments rows (a script is kilobytes, a row without
-- it a few hundred bytes), which keeps them fast at 100,000 experiments.
CREATE TABLE experiment_code (
    experiment_id INTEGER PRIMARY KEY REFERENCES experiments(id) ON DELETE CASCADE,
    code          TEXT NOT NULL,
    diff          TEXT NOT NULL DEFAULT ''
);
INSERT INTO experiment_code (experiment_id, code, diff) SELECT id, code, diff FROM experiments;
ALTER TABLE experiments DROP COLUMN code;
ALTER TABLE experiments DROP COLUMN diff;
CREATE INDEX experiments_task_metric ON experiments (task, metric_mean);
-- Chart points read this covering index, not the table.
CREATE INDEX experiments_task_points ON experiments (task, seq, status, metric_mean);

-- Per-task counts kept up to date by triggers, so that the stats bar is
-- one row read at any number of experiments, and a version that moves on
-- every recorded change, so that readers (the dashboard) can cache.
CREATE TABLE task_stats (
    task        TEXT    PRIMARY KEY,
    version     INTEGER NOT NULL DEFAULT 0,
    experiments INTEGER NOT NULL DEFAULT 0,
    kept        INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    running     INTEGER NOT NULL DEFAULT 0,
    spent_usd   REAL    NOT NULL DEFAULT 0
);
INSERT INTO task_stats (task, version, experiments, kept, failed, running, spent_usd)
    SELECT task, 1, count(*), sum(status = 'kept'), sum(status = 'failed'), sum(status = 'running'), sum(cost_usd)
    FROM experiments GROUP BY task;
CREATE TRIGGER experiments_stats_insert AFTER INSERT ON experiments BEGIN
    INSERT INTO task_stats (task) VALUES (NEW.task) ON CONFLICT (task) DO NOTHING;
    UPDATE task_stats SET version = version + 1, experiments = experiments + 1,
        kept = kept + (NEW.status = 'kept'), failed = failed + (NEW.status = 'failed'),
        running = running + (NEW.status = 'running'), spent_usd = spent_usd + NEW.cost_usd
        WHERE task = NEW.task;
END;
CREATE TRIGGER experiments_stats_update AFTER UPDATE ON experiments BEGIN
    UPDATE task_stats SET version = version + 1,
        kept = kept + (NEW.status = 'kept') - (OLD.status = 'kept'),
        failed = failed + (NEW.status = 'failed') - (OLD.status = 'failed'),
        running = running + (NEW.status = 'running') - (OLD.status = 'running'),
        spent_usd = spent_usd + NEW.cost_usd - OLD.cost_usd
        WHERE task = NEW.task;
END;
CREATE TRIGGER experiments_stats_delete AFTER DELETE ON experiments BEGIN
    UPDATE task_stats SET version = version + 1, experiments = experiments - 1,
        kept = kept - (OLD.status = 'kept'), failed = failed - (OLD.status = 'failed'),
        running = running - (OLD.status = 'running'), spent_usd = spent_usd - OLD.cost_usd
        WHERE task = OLD.task;
END;
