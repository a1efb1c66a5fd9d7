-- Tenant event types (issue 17): a tenant's own `object.action` types with a JSON Schema.
-- Every schema a type ever had is a row of event_type_versions, kept after the type is deleted,
-- so a re-created type continues its numbering and an event's type_version never names two
-- schemas.
CREATE TABLE event_types (
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  description TEXT,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name)
) STRICT;

CREATE TABLE event_type_versions (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  schema TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, name, version)
) STRICT;

-- The version of the tenant type an event was validated against (NULL for built-in types),
-- and the W3C trace context its spans belong to (NULL when tracing was off at publish).
ALTER TABLE events ADD COLUMN type_version INTEGER;
ALTER TABLE events ADD COLUMN trace_parent TEXT;
