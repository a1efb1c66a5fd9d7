-- Owner liveness: each worker owner heartbeats here, so a dead owner's leases can be taken
-- over before they run out, and a slow living owner is never robbed.
CREATE TABLE workers (
  owner TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;
