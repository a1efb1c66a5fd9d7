import type { TestRun, TestRunOutcome } from '../../testruns.ts';
import type { Sql } from '../../sql.ts';
import type { ClaimOptions } from '../../leased.ts';
import { claimLeased } from '../leased.ts';
import { runFromRow } from './rows.ts';

const OPEN = `status IN ('queued', 'running')`;

/** Leases open runs (see ops/leased.ts: fair across tenants). */
export async function claimRuns(sql: Sql, opts: ClaimOptions, deadAfterMs: number): Promise<TestRun[]> {
  return (await claimLeased(sql, 'test_runs', opts, deadAfterMs)).map((r) => runFromRow(sql.d, r));
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
