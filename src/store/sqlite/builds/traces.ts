import type { Trace, TracePatch } from '../../../domain/builds.ts';
import type { Param, SqliteDb } from '../db.ts';
import { insertSql, TRACE_COLUMNS, traceFromRow, traceParams } from './rows.ts';
import { listPage } from '../page.ts';

const INSERT = insertSql('traces', TRACE_COLUMNS);

const PATCH_COLUMNS: ReadonlyArray<[keyof TracePatch, string, (v: never) => Param]> = [
  ['name', 'name', (v: string) => v],
  ['tags', 'tags', (v: string[]) => JSON.stringify(v)],
  ['taggedBug', 'tagged_bug', (v: boolean) => (v ? 1 : 0)],
  ['taggedFlaky', 'tagged_flaky', (v: boolean) => (v ? 1 : 0)],
  ['steps', 'steps', (v: unknown[]) => JSON.stringify(v)],
];

export function createTrace(db: SqliteDb, t: Trace): void {
  db.run(INSERT, ...traceParams(t));
}

export function getTrace(db: SqliteDb, tenantId: string, id: string): Trace | null {
  const row = db.get('SELECT * FROM traces WHERE tenant_id = ? AND id = ?', tenantId, id);
  return row ? traceFromRow(row) : null;
}

export function listTraces(
  db: SqliteDb,
  tenantId: string,
  projectID: string,
  opts: { limit: number; after?: string },
): Trace[] {
  return listPage(db, 'traces', tenantId, { project_id: projectID }, opts).map(traceFromRow);
}

export function listAllTraces(db: SqliteDb, tenantId: string, projectID: string): Trace[] {
  return db
    .all('SELECT * FROM traces WHERE tenant_id = ? AND project_id = ? ORDER BY id', tenantId, projectID)
    .map(traceFromRow);
}

export function updateTrace(
  db: SqliteDb,
  tenantId: string,
  id: string,
  patch: TracePatch,
  now: number,
): Trace | null {
  const sets: string[] = ['updated_at = ?'];
  const params: Param[] = [now];
  for (const [key, column, encode] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    params.push(encode(value as never));
  }
  const row = db.get(
    `UPDATE traces SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ? RETURNING *`,
    ...params,
    tenantId,
    id,
  );
  return row ? traceFromRow(row) : null;
}

export function deleteTrace(db: SqliteDb, tenantId: string, id: string): boolean {
  return db.run('DELETE FROM traces WHERE tenant_id = ? AND id = ?', tenantId, id) > 0;
}
