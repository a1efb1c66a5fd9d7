-- Site monitors that monitor (issue 10): a schedule, pages and Tenon thresholds on each site,
-- and one row per claimed schedule slot. A site without monitor_interval_sec is not scheduled.
ALTER TABLE sites ADD COLUMN monitor_interval_sec INTEGER;
ALTER TABLE sites ADD COLUMN monitor_paths TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN monitor_level TEXT NOT NULL DEFAULT 'AAA' CHECK (monitor_level IN ('A', 'AA', 'AAA'));
ALTER TABLE sites ADD COLUMN monitor_certainty INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN monitor_priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN monitor_paused INTEGER NOT NULL DEFAULT 0 CHECK (monitor_paused IN (0, 1));
-- The newest slot claimed under the current interval (reset when the interval changes).
ALTER TABLE sites ADD COLUMN monitor_last_slot INTEGER;
CREATE INDEX sites_monitor_due_idx ON sites (monitor_interval_sec) WHERE monitor_interval_sec IS NOT NULL;

-- The (site, slot) key is what makes a slot run at most once, whatever the number of workers.
CREATE TABLE monitor_slots (
  site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  slot INTEGER NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  interval_sec INTEGER NOT NULL,
  claimed_by TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  finished_at INTEGER,
  response_ids TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  PRIMARY KEY (site_id, slot)
) STRICT;
CREATE INDEX monitor_slots_site_idx ON monitor_slots (site_id, claimed_at);
