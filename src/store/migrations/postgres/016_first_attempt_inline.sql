-- Issue 19: a delivery's first attempt, when it delivered, is written on the delivery row (the
-- row the record updates anyway; fillfactor 50 keeps that a heap-only update) instead of as an
-- attempts row: no attempts tuple and no writes to its three indexes per delivery on the hot
-- path. The attempt log reads both (ops/deliveries.ts listAttempts, console hookActivity);
-- purge clears it by time.
ALTER TABLE deliveries ADD COLUMN first_attempt TEXT;
ALTER TABLE deliveries ADD COLUMN first_started_at BIGINT;
ALTER TABLE deliveries ADD COLUMN first_status INTEGER;
ALTER TABLE deliveries ADD COLUMN first_duration_ms DOUBLE PRECISION;
