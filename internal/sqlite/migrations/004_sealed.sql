-- Whether an experiment's result was obtained under the full seal (full
-- isolation, the model evaluated in a sealed process). Results recorded
-- before the seal existed stay unsealed: held-out data was reachable.
ALTER TABLE experiments ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
