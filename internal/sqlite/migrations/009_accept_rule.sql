-- The rule each experiment was judged by ("margin": its improvement over
-- the best had to exceed what the task's noise floor gives by chance;
-- "mean": its mean had to beat the best mean at all) and the seeds that
-- rule could give it when its first ones were promising but not
-- conclusive. Rows decided before rules existed have '' and 0: they were
-- judged by the mean rule on their planned seeds.
ALTER TABLE experiments ADD COLUMN accept_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN seeds_max INTEGER NOT NULL DEFAULT 0;
-- The mean that called for a confirmation, and the mean of the fresh
-- seeds then run to confirm it (metric_mean, over both, decided it).
ALTER TABLE experiments ADD COLUMN first_mean REAL;
ALTER TABLE experiments ADD COLUMN confirmed_mean REAL;
-- Whether a seed was one of those confirmation seeds, and the highest
-- training step its script logged.
ALTER TABLE seed_runs ADD COLUMN confirm INTEGER NOT NULL DEFAULT 0;
ALTER TABLE seed_runs ADD COLUMN steps INTEGER NOT NULL DEFAULT 0;
-- The noise floor is read at every decision from the baselines' seeds
-- and the kept experiments' confirmation seeds: baselines by mode, and
-- the few confirmation seeds without reading every seed of every keep.
CREATE INDEX experiments_task_mode ON experiments (task, mode);
CREATE INDEX seed_runs_confirm ON seed_runs (experiment_id) WHERE confirm;
-- The best it was judged against when it was decided (NULL: there was
-- none, it is undecided, or it was decided before this was recorded).
ALTER TABLE experiments ADD COLUMN against_id INTEGER REFERENCES experiments(id);
