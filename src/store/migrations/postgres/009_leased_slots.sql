-- Monitor slots become leased runs of the run engine (issue 15): a claimed slot is queued, and a
-- worker leases it, queues its pages and finishes it. A worker that dies in between leaves the
-- slot open, and it is driven again (its pages' runs are unique per slot, so they happen once).
ALTER TABLE monitor_slots ADD COLUMN id TEXT;
ALTER TABLE monitor_slots ADD COLUMN status TEXT NOT NULL DEFAULT 'queued'
  CHECK (status IN ('queued', 'running', 'done', 'failed'));
ALTER TABLE monitor_slots ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE monitor_slots ADD COLUMN lease_owner TEXT;
ALTER TABLE monitor_slots ADD COLUMN lease_until BIGINT;
ALTER TABLE monitor_slots ADD COLUMN started_at BIGINT;
-- Slots claimed before this migration: finished ones are done; one left unfinished by a crash
-- stays lost, as it was, rather than running a page long after its time.
UPDATE monitor_slots SET id = site_id || ':' || CAST(slot AS TEXT),
  status = CASE WHEN finished_at IS NULL THEN 'failed' ELSE 'done' END;
CREATE UNIQUE INDEX monitor_slots_id_idx ON monitor_slots (id);
-- The queue: open slots, oldest first.
CREATE INDEX monitor_slots_open_idx ON monitor_slots (id) WHERE status IN ('queued', 'running');
