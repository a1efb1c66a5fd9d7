-- The hot path's two foreign keys go, for the reason 001 gives no tenant foreign key: each row
-- a delivery insert or an attempt insert writes ran a trigger query per row that also locked
-- the parent row (FOR KEY SHARE, a tuple lock written to the WAL), about a fifth of the
-- server's CPU per delivery. What they guarded holds by construction:
-- - deliveries are inserted only with their event, in the same statement (insertEvents), and
--   only for events that statement created;
-- - attempts are inserted only for a delivery that exists (recordAttempts checks it);
-- - purge deletes attempts, then deliveries, then events itself, in one transaction, so
--   nothing relied on ON DELETE CASCADE.
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_event_id_fkey;
ALTER TABLE attempts DROP CONSTRAINT IF EXISTS attempts_delivery_id_fkey;
