-- Whether each seed's result was obtained under the full seal (the
-- experiment's is: every seed's).
ALTER TABLE seed_runs ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
