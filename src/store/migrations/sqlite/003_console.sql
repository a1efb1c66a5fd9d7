-- Web console: users (who sign in with email and password) and their sessions.

CREATE TABLE console_users (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  -- Lower-cased by the application; unique across tenants because it is the sign-in name.
  email TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX console_users_tenant_id_idx ON console_users (tenant_id, id);

CREATE TABLE console_sessions (
  id TEXT PRIMARY KEY,
  -- sha256 of the cookie's token; the token itself is never stored.
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_user_id_idx ON console_sessions (user_id);
CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);
