-- Issue 19: a delivery's first attempt, when it delivered, is written on the delivery row (the
-- row the record updates anyway) instead of as an attempts row: four B-tree writes fewer per
-- delivery on the hot path (the attempts row, its primary key and its two indexes). The attempt
-- log reads both (ops/deliveries.ts listAttempts, console hookActivity); purge clears it by time.
ALTER TABLE deliveries ADD COLUMN first_attempt TEXT;
ALTER TABLE deliveries ADD COLUMN first_started_at INTEGER;
ALTER TABLE deliveries ADD COLUMN first_status INTEGER;
ALTER TABLE deliveries ADD COLUMN first_duration_ms REAL;
