-- Where a seed in flight runs, for the views: a device and the cores it
-- is pinned to ("cuda:1 cores 0-7"), or a cluster job and its node.
ALTER TABLE live_seeds ADD COLUMN place TEXT NOT NULL DEFAULT '';
