-- The order in which the task's experiments were decided (kept or
-- discarded), stamped inside the deciding write: the best experiment is
-- the last one kept in this order. Rows decided before it existed have
-- none and count, among themselves, in the order of their numbers.
ALTER TABLE experiments ADD COLUMN decided INTEGER;
