import type { Sql } from '../sql.ts';

/**
 * Owner liveness. Each worker owner upserts its heartbeat; claimDue and claimRuns may take a
 * lease whose owner's heartbeat is older than `deadAfterMs` even before the lease runs out, and
 * never take one from an owner whose heartbeat is fresh. Owners that never registered are
 * judged by `lease_until` alone, as before.
 */
export async function registerWorker(sql: Sql, owner: string, now: number): Promise<void> {
  await sql.exec(
    `INSERT INTO workers (owner, started_at, heartbeat_at) VALUES ($1, $2, $2)
     ON CONFLICT (owner) DO UPDATE SET started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at`,
    [owner, now],
  );
}

/**
 * Upserts the heartbeat (a worker unregistered meanwhile, or whose row was dropped, is
 * registered again rather than silently counted dead).
 */
export async function heartbeatWorker(sql: Sql, owner: string, now: number): Promise<void> {
  await sql.exec(
    `INSERT INTO workers (owner, started_at, heartbeat_at) VALUES ($1, $2, $2)
     ON CONFLICT (owner) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
    [owner, now],
    'herald_heartbeat',
  );
}

export async function unregisterWorker(sql: Sql, owner: string): Promise<void> {
  await sql.exec('DELETE FROM workers WHERE owner = $1', [owner]);
}

/**
 * The condition under which a lease on a row aliased `t` may be taken at `$now`, with `$stale`
 * = now - deadAfterMs: no lease; or a lease that ran out, unless its owner is alive (and is
 * not `self`, the claimer: a worker takes back its own leases once they run out, which is how
 * work it parked in the database comes back to it); or any lease whose owner's heartbeat went
 * stale.
 */
export function takeable(t: string, now: string, stale: string, self?: string): string {
  const own = self === undefined ? '' : `${t}.lease_owner = ${self} OR `;
  return `(${t}.lease_until IS NULL
    OR (${t}.lease_until <= ${now}
        AND (${own}NOT EXISTS (SELECT 1 FROM workers w WHERE w.owner = ${t}.lease_owner AND w.heartbeat_at > ${stale})))
    OR EXISTS (SELECT 1 FROM workers w WHERE w.owner = ${t}.lease_owner AND w.heartbeat_at <= ${stale}))`;
}
