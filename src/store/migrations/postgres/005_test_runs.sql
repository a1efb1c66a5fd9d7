-- Tenon test runs (issue 10): one row per run, through the test API or a site monitor. The row
-- is also the run's place in the durable run queue (status, attempts and the lease), and keeps
-- the request it re-runs from after a crash, the full response and the apiLog numbers.
CREATE TABLE test_runs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  response_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  site_key TEXT,
  slot BIGINT,
  url TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  async INTEGER NOT NULL CHECK (async IN (0, 1)),
  request TEXT NOT NULL,
  response TEXT,
  http_status INTEGER,
  api_log TEXT,
  errors INTEGER,
  warnings INTEGER,
  event_id TEXT NOT NULL,
  callback_event_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  announced_at BIGINT
);
CREATE UNIQUE INDEX test_runs_response_id_idx ON test_runs (tenant_id, response_id);
-- Each page of a monitor slot runs once, however many schedulers see it due.
CREATE UNIQUE INDEX test_runs_slot_idx ON test_runs (tenant_id, site_key, slot, url) WHERE site_key IS NOT NULL;
CREATE INDEX test_runs_tenant_idx ON test_runs (tenant_id, id);
-- The queue: open runs, oldest first.
CREATE INDEX test_runs_open_idx ON test_runs (id) WHERE status IN ('queued', 'running');
-- The sweep: finished runs not yet announced; retention: by finish time.
CREATE INDEX test_runs_unannounced_idx ON test_runs (finished_at) WHERE announced_at IS NULL AND status IN ('done', 'failed');
