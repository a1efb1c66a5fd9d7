-- Site monitors that crawl and sign in (issue 18): the crawl settings (JSON, NULL: siteUrl +
-- paths), the login trace and its parameters (JSON object; values are write-only in the API).
ALTER TABLE sites ADD COLUMN monitor_crawl TEXT;
ALTER TABLE sites ADD COLUMN monitor_login_trace_id TEXT;
ALTER TABLE sites ADD COLUMN monitor_login_parameters TEXT NOT NULL DEFAULT '{}';

-- Issues tracked across a site monitor's slots (issue 18). One row per (site, fingerprint): the
-- fingerprint (issue_id) is built from the rule, the page and the element's signature.
CREATE TABLE monitor_issues (
  site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  issue_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  url TEXT NOT NULL,
  t_id INTEGER NOT NULL,
  error_title TEXT NOT NULL,
  standards TEXT NOT NULL DEFAULT '[]',
  xpath TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'fixed', 'accepted')),
  first_seen BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (site_id, issue_id)
);
CREATE INDEX monitor_issues_status_idx ON monitor_issues (site_id, status, first_seen);

-- The slots whose results were applied: applying a slot twice (a retry, a second worker) finds
-- its row and changes nothing; a slot older than the newest applied one is not applied at all.
CREATE TABLE monitor_issue_slots (
  site_id TEXT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
  slot BIGINT NOT NULL,
  applied_at BIGINT NOT NULL,
  PRIMARY KEY (site_id, slot)
);

-- The outbox of issue.* events: written in the transaction that changes the issues, published
-- with their fixed event_id (publishing twice commits nothing new), then deleted.
CREATE TABLE monitor_issue_events (
  event_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  event TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX monitor_issue_events_created_idx ON monitor_issue_events (created_at);
