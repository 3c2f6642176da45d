-- A finalist's test evaluation runs after its seeds (only kept experiments
-- and baselines are evaluated on the test split): its time, per seed.
ALTER TABLE seed_runs ADD COLUMN test_seconds REAL NOT NULL DEFAULT 0;
