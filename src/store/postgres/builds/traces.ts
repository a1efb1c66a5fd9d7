import type { Trace, TracePatch } from '../../../domain/builds.ts';
import { query } from '../pool.ts';
import type { Queryable } from '../pool.ts';
import { insertSql, TRACE_COLUMNS, traceFromRow, traceValues } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('traces', TRACE_COLUMNS);

const PATCH_COLUMNS: ReadonlyArray<[keyof TracePatch, string, (v: never) => unknown]> = [
  ['name', 'name', (v: string) => v],
  ['tags', 'tags', (v: string[]) => JSON.stringify(v)],
  ['taggedBug', 'tagged_bug', (v: boolean) => v],
  ['taggedFlaky', 'tagged_flaky', (v: boolean) => v],
  ['steps', 'steps', (v: unknown[]) => JSON.stringify(v)],
];

export async function createTrace(db: Queryable, t: Trace): Promise<void> {
  await query(db, INSERT, traceValues(t));
}

export async function getTrace(db: Queryable, tenantId: string, id: string): Promise<Trace | null> {
  const { rows } = await query(db, 'SELECT * FROM traces WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] ? traceFromRow(rows[0]) : null;
}

export async function listTraces(
  db: Queryable,
  tenantId: string,
  projectID: string,
  opts: { limit: number; after?: string },
): Promise<Trace[]> {
  return (await listPage(db, 'traces', tenantId, { project_id: projectID }, opts)).map(traceFromRow);
}

export async function listAllTraces(db: Queryable, tenantId: string, projectID: string): Promise<Trace[]> {
  const { rows } = await query(
    db,
    'SELECT * FROM traces WHERE tenant_id = $1 AND project_id = $2 ORDER BY id',
    [tenantId, projectID],
  );
  return rows.map(traceFromRow);
}

export async function updateTrace(
  db: Queryable,
  tenantId: string,
  id: string,
  patch: TracePatch,
  now: number,
): Promise<Trace | null> {
  const values: unknown[] = [now];
  const sets = ['updated_at = $1'];
  for (const [key, column, encode] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    values.push(encode(value as never));
    sets.push(`${column} = $${values.length}`);
  }
  values.push(tenantId, id);
  const { rows } = await query(
    db,
    `UPDATE traces SET ${sets.join(', ')} WHERE tenant_id = $${values.length - 1} AND id = $${values.length} RETURNING *`,
    values,
  );
  return rows[0] ? traceFromRow(rows[0]) : null;
}

export async function deleteTrace(db: Queryable, tenantId: string, id: string): Promise<boolean> {
  const res = await query(db, 'DELETE FROM traces WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return (res.rowCount ?? 0) > 0;
}
