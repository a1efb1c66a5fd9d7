-- Projects, site monitors, traces and builds (the Usetrace-compatible build API).

CREATE TABLE projects (
  -- Internal and time-sortable (prj_…): list order and cursor. project_id is the public UUID.
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  project_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  date_added INTEGER NOT NULL,
  lastmod INTEGER NOT NULL,
  default_item INTEGER NOT NULL CHECK (default_item IN (0, 1)),
  api_default_certainty INTEGER NOT NULL,
  api_default_level TEXT NOT NULL CHECK (api_default_level IN ('A', 'AA', 'AAA')),
  api_default_priority INTEGER NOT NULL,
  api_default_store INTEGER NOT NULL CHECK (api_default_store IN (0, 1)),
  api_default_ua_string TEXT NOT NULL,
  api_default_viewport_height INTEGER NOT NULL,
  api_default_viewport_width INTEGER NOT NULL,
  base_url TEXT
) STRICT;
CREATE INDEX projects_tenant_id_idx ON projects (tenant_id, id);
CREATE UNIQUE INDEX projects_one_default_key ON projects (tenant_id) WHERE default_item = 1;

CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  site_key TEXT NOT NULL UNIQUE,
  project_id TEXT NOT NULL REFERENCES projects (project_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  site_url TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sites_tenant_id_idx ON sites (tenant_id, id);
CREATE INDEX sites_project_id_idx ON sites (project_id, id);

CREATE TABLE traces (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  project_id TEXT NOT NULL REFERENCES projects (project_id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  tags TEXT NOT NULL,
  tagged_bug INTEGER NOT NULL CHECK (tagged_bug IN (0, 1)),
  tagged_flaky INTEGER NOT NULL CHECK (tagged_flaky IN (0, 1)),
  steps TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX traces_project_id_idx ON traces (project_id, id);

-- Builds outlive their project and traces (no foreign keys to them): results stay readable.
CREATE TABLE builds (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  project_id TEXT NOT NULL,
  trace_id TEXT,
  change_key TEXT NOT NULL,
  base_url TEXT NOT NULL,
  tags TEXT NOT NULL,
  commit_ref TEXT,
  commit_link TEXT,
  parameters TEXT NOT NULL,
  browsers TEXT NOT NULL,
  reporters TEXT NOT NULL,
  viewport_width INTEGER NOT NULL,
  viewport_height INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED')),
  requested_at INTEGER NOT NULL,
  deadline_at INTEGER NOT NULL,
  finished_at INTEGER,
  finished_event_id TEXT NOT NULL,
  report_event_id TEXT NOT NULL,
  reported_at INTEGER
) STRICT;
CREATE INDEX builds_tenant_id_idx ON builds (tenant_id, id);
CREATE INDEX builds_project_id_idx ON builds (tenant_id, project_id, id);
CREATE INDEX builds_change_key_idx ON builds (tenant_id, change_key, finished_at, id) WHERE status = 'FINISHED';
CREATE INDEX builds_running_idx ON builds (deadline_at) WHERE status = 'RUNNING';
CREATE INDEX builds_unreported_idx ON builds (finished_at, id) WHERE status = 'FINISHED' AND reported_at IS NULL;

-- One trace (a snapshot taken when the build started) in one browser.
CREATE TABLE build_runs (
  id TEXT PRIMARY KEY,
  build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  trace_id TEXT NOT NULL,
  trace_name TEXT NOT NULL,
  tagged_bug INTEGER NOT NULL CHECK (tagged_bug IN (0, 1)),
  tagged_flaky INTEGER NOT NULL CHECK (tagged_flaky IN (0, 1)),
  browser TEXT NOT NULL,
  steps TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'passed', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_until INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  duration_ms INTEGER,
  error_type TEXT CHECK (error_type IN ('error', 'failure')),
  error_message TEXT,
  failed_step INTEGER,
  screenshot_token TEXT
) STRICT;
CREATE INDEX build_runs_build_id_idx ON build_runs (build_id, position);
-- The queue: open runs, oldest first.
CREATE INDEX build_runs_open_idx ON build_runs (id) WHERE status IN ('queued', 'running');

CREATE TABLE build_screenshots (
  token TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  run_id TEXT NOT NULL,
  png BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX build_screenshots_build_id_idx ON build_screenshots (build_id);
