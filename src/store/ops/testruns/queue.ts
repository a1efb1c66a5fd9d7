import type { TestRun, TestRunOutcome } from '../../testruns.ts';
import type { Sql } from '../../sql.ts';
import { takeable } from '../workers.ts';
import { runFromRow } from './rows.ts';

const OPEN = `status IN ('queued', 'running')`;

/**
 * Fair share: candidates are ranked within their tenant (oldest first), and the lowest ranks
 * are taken first, so one tenant's burst of a thousand runs does not starve another tenant's
 * one. The window function sits in a subquery because Postgres allows no FOR UPDATE beside
 * it; the outer query locks (skipping rows another worker is claiming) and re-checks that the
 * row is still claimable, which is what Postgres re-evaluates after waiting on a changed row.
 */
export function claimRuns(
  sql: Sql,
  opts: { owner: string; now: number; limit: number; leaseMs: number },
  deadAfterMs: number,
): Promise<TestRun[]> {
  if (opts.limit <= 0) return Promise.resolve([]);
  return sql.tx(async (tx) => {
    const due = await tx.query(
      `SELECT t.id FROM test_runs t
        WHERE t.id IN (
          SELECT c.id FROM (
            SELECT r.id, ROW_NUMBER() OVER (PARTITION BY r.tenant_id ORDER BY r.id) AS fair
              FROM test_runs r
             WHERE r.${OPEN} AND (r.status = 'queued' OR ${takeable('r', '$1', '$3')})
          ) c ORDER BY c.fair, c.id LIMIT $2)
          AND t.${OPEN} AND (t.status = 'queued' OR ${takeable('t', '$1', '$3')})
        ORDER BY t.id${tx.forUpdate('SKIP LOCKED')}`,
      [opts.now, opts.limit, opts.now - deadAfterMs],
    );
    if (due.length === 0) return [];
    const leased = await tx.query(
      `UPDATE test_runs
          SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1,
              started_at = COALESCE(started_at, $3)
        WHERE id ${tx.inList(4)}
        RETURNING *`,
      [opts.owner, opts.now + opts.leaseMs, opts.now, tx.list(due.map((r) => String(r['id'])))],
    );
    return leased.map((r) => runFromRow(tx.d, r)).sort((a, b) => (a.id < b.id ? -1 : 1));
  });
}

export function extendLeases(sql: Sql, owner: string, ids: string[], leaseUntil: number): Promise<number> {
  if (ids.length === 0) return Promise.resolve(0);
  return sql.exec(
    `UPDATE test_runs SET lease_until = $1 WHERE id ${sql.inList(2)} AND lease_owner = $3 AND status = 'running'`,
    [leaseUntil, sql.list(ids), owner],
  );
}

export async function releaseRuns(sql: Sql, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.exec(
    `UPDATE test_runs SET status = 'queued', lease_owner = NULL, lease_until = NULL
      WHERE id ${sql.inList(1)} AND lease_owner = $2 AND status = 'running'`,
    [sql.list(ids), owner],
  );
}

export async function finishRun(sql: Sql, owner: string, id: string, o: TestRunOutcome): Promise<boolean> {
  const changed = await sql.exec(
    `UPDATE test_runs
        SET status = $1, response = $2, http_status = $3, api_log = $4, errors = $5, warnings = $6,
            finished_at = $7, lease_owner = NULL, lease_until = NULL
      WHERE id = $8 AND lease_owner = $9 AND status = 'running'`,
    [
      o.status,
      JSON.stringify(o.response),
      o.httpStatus,
      o.apiLog === null ? null : JSON.stringify(o.apiLog),
      o.errors,
      o.warnings,
      o.finishedAt,
      id,
      owner,
    ],
  );
  return changed > 0;
}

/**
 * Runs that waited past their time: still queued, or running under a lease that ran out (a
 * worker that keeps dying on this page). A running run under a live lease is left alone: its
 * worker's engine deadline ends it.
 */
export function expireRuns(
  sql: Sql,
  createdBefore: number,
  now: number,
  response: unknown,
  httpStatus: number,
): Promise<number> {
  return sql.exec(
    `UPDATE test_runs
        SET status = 'failed', response = $1, http_status = $2, finished_at = $3,
            lease_owner = NULL, lease_until = NULL
      WHERE ${OPEN} AND created_at < $4 AND (status = 'queued' OR lease_until <= $3)`,
    [JSON.stringify(response), httpStatus, now, createdBefore],
  );
}
