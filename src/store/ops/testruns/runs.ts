import type { NewTestRun, TestRun, TestRunFilter } from '../../testruns.ts';
import { insertSql, listPage, one, type Sql } from '../../sql.ts';
import { INSERT_COLUMNS, insertValues, runFromRow } from './rows.ts';

const INSERT = `${insertSql('test_runs', INSERT_COLUMNS)} ON CONFLICT DO NOTHING`;
/** Rows per retention transaction: short transactions, so locks and the WAL stay small. */
const PURGE_CHUNK = 500;

export async function createRun(sql: Sql, run: NewTestRun): Promise<{ created: boolean; run: TestRun }> {
  const inserted = await sql.exec(INSERT, insertValues(sql.d, run));
  const row =
    inserted > 0 || run.siteKey === null
      ? await one(sql, 'SELECT * FROM test_runs WHERE tenant_id = $1 AND response_id = $2', [
          run.tenantId,
          run.responseID,
        ])
      : await one(
          sql,
          'SELECT * FROM test_runs WHERE tenant_id = $1 AND site_key = $2 AND slot = $3 AND url = $4',
          [run.tenantId, run.siteKey, run.slot, run.url],
        );
  if (!row) throw new Error(`test run ${run.responseID} was neither inserted nor found`);
  return { created: inserted > 0, run: runFromRow(sql.d, row) };
}

export async function getRun(sql: Sql, tenantId: string, responseID: string): Promise<TestRun | null> {
  const row = await one(sql, 'SELECT * FROM test_runs WHERE tenant_id = $1 AND response_id = $2', [
    tenantId,
    responseID,
  ]);
  return row ? runFromRow(sql.d, row) : null;
}

export async function listRuns(sql: Sql, tenantId: string, f: TestRunFilter): Promise<TestRun[]> {
  const filters = { project_id: f.projectID, site_key: f.siteKey, url: f.url };
  return (await listPage(sql, 'test_runs', tenantId, filters, f)).map((r) => runFromRow(sql.d, r));
}

export async function listUnannounced(sql: Sql, finishedBefore: number, limit: number): Promise<TestRun[]> {
  const rows = await sql.query(
    `SELECT * FROM test_runs
      WHERE announced_at IS NULL AND status IN ('done', 'failed') AND finished_at <= $1
      ORDER BY finished_at, id LIMIT $2`,
    [finishedBefore, limit],
  );
  return rows.map((r) => runFromRow(sql.d, r));
}

export async function markAnnounced(sql: Sql, tenantId: string, id: string, now: number): Promise<void> {
  await sql.exec(
    'UPDATE test_runs SET announced_at = $1 WHERE tenant_id = $2 AND id = $3 AND announced_at IS NULL',
    [now, tenantId, id],
  );
}

/** Unannounced runs are kept: their events are not committed yet. */
export async function purgeRuns(sql: Sql, before: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await sql.exec(
      `DELETE FROM test_runs WHERE id IN (
         SELECT id FROM test_runs
          WHERE status IN ('done', 'failed') AND finished_at < $1 AND announced_at IS NOT NULL
          LIMIT $2)`,
      [before, PURGE_CHUNK],
    );
    total += n;
    if (n < PURGE_CHUNK) return total;
  }
}
