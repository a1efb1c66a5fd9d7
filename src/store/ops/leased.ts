import type { LeasedTable, ClaimOptions } from '../leased.ts';
import type { Row, Sql } from '../sql.ts';
import { takeable } from './workers.ts';

/**
 * The one set of leased-run operations (issue 15): claim, extend, release and the release on
 * open, written once over the SQL seam for every table of durable leased work (build runs,
 * Tenon test runs, monitor slots). A table qualifies by having `id` (time-sortable),
 * `tenant_id`, `status` ('queued' | 'running' | a finished status), `attempts`, `lease_owner`,
 * `lease_until` and `started_at`.
 */

/** Every leased table, for the release on open: a table missing here would keep a killed process's leases. */
export const LEASED_TABLES = [
  'build_runs',
  'test_runs',
  'monitor_slots',
] as const satisfies readonly LeasedTable[];

const OPEN = `status IN ('queued', 'running')`;

/**
 * Rows a tenant already has: running under a live lease, plus what the table adds (a build's
 * finished runs while the build runs). They count as turns taken, so a tenant holding workers
 * waits behind one that holds none.
 */
const BUSY: Record<LeasedTable, string> = {
  build_runs: `OR (l.status IN ('passed', 'failed')
                   AND EXISTS (SELECT 1 FROM builds b WHERE b.id = l.build_id AND b.status = 'RUNNING'))`,
  test_runs: '',
  monitor_slots: '',
};

/**
 * Leases up to `limit` open rows of `table` whose lease may be taken (see `takeable`: a dead
 * owner's at once, an expired one's unless its owner lives, the claimer's own expired ones),
 * fairly across tenants, skipping rows another worker is claiming right now on Postgres
 * (SQLite's single writer is exclusive anyway). Each becomes `running`, leased to `owner`
 * until now + leaseMs, attempts + 1. Returns the leased rows, by id.
 *
 * Fair share: a tenant's claimable rows are numbered oldest first, starting after the rows it
 * already has (BUSY); rows are taken by that turn, then by age. Tenants with queued work take
 * turns, one row at a time, and one tenant's burst does not starve another's single run.
 * The window sits in a subquery because Postgres allows no FOR UPDATE beside it; the outer
 * query locks and re-checks claimability, which is what Postgres re-evaluates after waiting
 * on a row that changed.
 */
export function claimLeased(
  sql: Sql,
  table: LeasedTable,
  opts: ClaimOptions,
  deadAfterMs: number,
): Promise<Row[]> {
  if (opts.limit <= 0) return Promise.resolve([]);
  return sql.tx(async (tx) => {
    const due = await tx.query(
      `SELECT r.id FROM ${table} r
         JOIN (SELECT c.id,
                      ROW_NUMBER() OVER (PARTITION BY c.tenant_id ORDER BY c.id) + COALESCE(busy.n, 0) AS turn
                 FROM ${table} c
                 LEFT JOIN (SELECT l.tenant_id, COUNT(*) AS n FROM ${table} l
                             WHERE (l.status = 'running' AND NOT ${takeable('l', '$1', '$3')}) ${BUSY[table]}
                             GROUP BY l.tenant_id) busy ON busy.tenant_id = c.tenant_id
                WHERE c.${OPEN} AND (c.status = 'queued' OR ${takeable('c', '$1', '$3', '$4')})
                  AND NOT (c.id ${tx.inList(5)})) t
           ON t.id = r.id
        WHERE r.${OPEN} AND (r.status = 'queued' OR ${takeable('r', '$1', '$3', '$4')})
        ORDER BY t.turn, r.id LIMIT $2${tx.forUpdate('OF r SKIP LOCKED')}`,
      [opts.now, opts.limit, opts.now - deadAfterMs, opts.owner, tx.list(opts.exclude ?? [])],
      `herald_claim_${table}`,
    );
    if (due.length === 0) return [];
    const leased = await tx.query(
      `UPDATE ${table}
          SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
              started_at = COALESCE(started_at, $3)
        WHERE id ${tx.inList(4)}
        RETURNING *`,
      [opts.owner, opts.now + opts.leaseMs, opts.now, tx.list(due.map((r) => String(r['id'])))],
    );
    return leased.sort((a, b) => (String(a['id']) < String(b['id']) ? -1 : 1));
  });
}

/** Heartbeat of held work: pushes this owner's leases on running rows to `leaseUntil`. */
export function extendLeased(
  sql: Sql,
  table: LeasedTable,
  owner: string,
  ids: readonly string[],
  leaseUntil: number,
): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return sql.exec(
    `UPDATE ${table} SET lease_until = $1 WHERE id ${sql.inList(2)} AND lease_owner = $3 AND status = 'running'`,
    [leaseUntil, sql.list(ids), owner],
  );
}

/** Graceful stop: this owner's unfinished rows go back to `queued`, to run again at once. */
export async function releaseLeased(
  sql: Sql,
  table: LeasedTable,
  owner: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await sql.exec(
    `UPDATE ${table} SET status = 'queued', lease_owner = NULL, lease_until = NULL
      WHERE id ${sql.inList(1)} AND lease_owner = $2 AND status = 'running'`,
    [sql.list(ids), owner],
  );
}

/**
 * The statements that drop every lease of every leased table: run on open by a process that
 * knows no other is alive (SQLite, under the data-dir lock), so a killed process's work
 * resumes at once rather than a lease later.
 */
export function releaseAllStatements(): Array<{ table: LeasedTable; text: string }> {
  return LEASED_TABLES.map((table) => ({
    table,
    text: `UPDATE ${table} SET status = 'queued', lease_owner = NULL, lease_until = NULL WHERE status = 'running'`,
  }));
}
