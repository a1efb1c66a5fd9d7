-- Herald schema, SQLite. Times are unix milliseconds (INTEGER). JSON values are stored as
-- TEXT exactly as written by the store. STRICT tables reject values of the wrong type.

CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id, id);

CREATE TABLE hooks (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  objects TEXT NOT NULL,
  events TEXT,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  username TEXT,
  password TEXT,
  secret TEXT NOT NULL,
  old_secrets TEXT NOT NULL DEFAULT '[]',
  failing_since INTEGER,
  last_success_at INTEGER,
  disabled_reason TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX hooks_tenant_id_idx ON hooks (tenant_id, id);
CREATE INDEX hooks_failing_since_idx ON hooks (failing_since) WHERE enabled = 1 AND failing_since IS NOT NULL;

-- events, deliveries and attempts carry tenant_id without a foreign key, as on Postgres: they
-- are the hot path and the tenant comes from an authenticated key.
CREATE TABLE events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  date_added INTEGER NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX events_tenant_event_id_key ON events (tenant_id, event_id);
CREATE UNIQUE INDEX events_tenant_idempotency_key_key ON events (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_tenant_id_idx ON events (tenant_id, id);
CREATE INDEX events_tenant_type_idx ON events (tenant_id, type, id);
CREATE INDEX events_created_at_idx ON events (created_at);

CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  -- No foreign key on purpose: deleting a hook keeps its delivery history (deleteHook fails
  -- the pending ones instead).
  hook_id TEXT,
  target TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  schedule_pos INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_until INTEGER,
  last_status INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  delivered_at INTEGER,
  CHECK (hook_id IS NOT NULL OR target IS NOT NULL)
) STRICT;
CREATE INDEX deliveries_tenant_id_idx ON deliveries (tenant_id, id);
CREATE INDEX deliveries_hook_id_idx ON deliveries (hook_id, id);
CREATE INDEX deliveries_event_id_idx ON deliveries (event_id);
-- The queue: due pending work, oldest first.
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at, id) WHERE status = 'pending';

CREATE TABLE attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  tenant_id TEXT NOT NULL,
  attempt_no INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  request_url TEXT NOT NULL,
  request_headers TEXT NOT NULL,
  response_status INTEGER,
  response_headers TEXT,
  response_body TEXT,
  error TEXT
) STRICT;
CREATE INDEX attempts_delivery_id_idx ON attempts (delivery_id, id);
CREATE INDEX attempts_started_at_idx ON attempts (started_at);
