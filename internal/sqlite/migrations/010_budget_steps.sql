-- An experiment's step budget: the gradient steps (backward passes, as
-- the harness counts them) its seeds could train for, with train_seconds
-- as the ceiling. 0: a time budget of train_seconds, as every row
-- before this had.
ALTER TABLE experiments ADD COLUMN budget_steps INTEGER NOT NULL DEFAULT 0;
