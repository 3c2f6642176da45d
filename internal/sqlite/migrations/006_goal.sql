-- What each task optimises (its metric's name and the direction in which
-- it improves), recorded with its experiments so that every reader ranks
-- them the same way. Tasks recorded before it have none until the next
-- run, baseline or eval records it.
ALTER TABLE task_stats ADD COLUMN metric TEXT NOT NULL DEFAULT '';
ALTER TABLE task_stats ADD COLUMN direction TEXT NOT NULL DEFAULT '';
