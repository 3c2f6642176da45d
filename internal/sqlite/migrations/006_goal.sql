-- What each task optimises (its metric's name and the direction in which
-- it improves), recorded with its experiments so that every reader ranks
-- them the same way: the best is the kept experiment with the best mean.
-- Tasks recorded before it have none until a run, baseline or eval, or a
-- reader that has the task's folder, records it; until then the store
-- reads the direction from the keeps. The decision numbers of 005 are no
-- longer read.
ALTER TABLE task_stats ADD COLUMN metric TEXT NOT NULL DEFAULT '';
ALTER TABLE task_stats ADD COLUMN direction TEXT NOT NULL DEFAULT '';
