import type { Hook, HookPatch } from '../../domain/types.ts';
import type { Param, SqliteDb } from './db.ts';
import { HOOK_COLUMNS, hookFromRow, hookParams, placeholders } from './rows.ts';
import { listPage } from './page.ts';

const INSERT_HOOK = `INSERT INTO hooks (${HOOK_COLUMNS.join(', ')}) VALUES (${placeholders(HOOK_COLUMNS.length)})`;

/** Patchable fields, in a fixed order so each combination maps to one cached statement. */
const PATCH_COLUMNS: readonly [keyof HookPatch, string, (v: never) => Param][] = [
  ['name', 'name', (v: string) => v],
  ['url', 'url', (v: string) => v],
  ['objects', 'objects', (v: string[]) => JSON.stringify(v)],
  ['events', 'events', (v: string[] | null) => (v === null ? null : JSON.stringify(v))],
  ['enabled', 'enabled', (v: boolean) => (v ? 1 : 0)],
  ['username', 'username', (v: string | null) => v],
  ['password', 'password', (v: string | null) => v],
  ['secret', 'secret', (v: string) => v],
  ['oldSecrets', 'old_secrets', (v: unknown[]) => JSON.stringify(v)],
  ['failingSince', 'failing_since', (v: number | null) => v],
  ['disabledReason', 'disabled_reason', (v: string | null) => v],
];

export function createHook(db: SqliteDb, hook: Hook): void {
  db.run(INSERT_HOOK, ...hookParams(hook));
}

export function getHook(db: SqliteDb, tenantId: string, id: string): Hook | null {
  const row = db.get('SELECT * FROM hooks WHERE tenant_id = ? AND id = ?', tenantId, id);
  return row ? hookFromRow(row) : null;
}

export function listHooks(db: SqliteDb, tenantId: string, opts: { limit: number; after?: string }): Hook[] {
  return listPage(db, 'hooks', tenantId, {}, opts).map((r) => hookFromRow(r));
}

export function listEnabledHooks(db: SqliteDb, tenantId: string): Hook[] {
  return db
    .all('SELECT * FROM hooks WHERE tenant_id = ? AND enabled = 1 ORDER BY id', tenantId)
    .map((r) => hookFromRow(r));
}

export function updateHook(
  db: SqliteDb,
  tenantId: string,
  id: string,
  patch: HookPatch,
  now: number,
): Hook | null {
  const sets: string[] = [];
  const params: Param[] = [];
  for (const [key, column, encode] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    sets.push(`${column} = ?`);
    params.push(encode(value as never));
  }
  sets.push('updated_at = ?');
  params.push(now);
  const row = db.get(
    `UPDATE hooks SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ? RETURNING *`,
    ...params,
    tenantId,
    id,
  );
  return row ? hookFromRow(row) : null;
}

/** Deletes the hook and fails its pending deliveries; the delivery rows stay as history. */
export function deleteHook(db: SqliteDb, tenantId: string, id: string, now: number): boolean {
  return db.tx(() => {
    if (db.run('DELETE FROM hooks WHERE tenant_id = ? AND id = ?', tenantId, id) === 0) return false;
    db.run(
      `UPDATE deliveries
          SET status = 'failed', last_error = 'hook deleted', next_attempt_at = NULL,
              lease_owner = NULL, lease_until = NULL, updated_at = ?
        WHERE tenant_id = ? AND hook_id = ? AND status = 'pending'`,
      now,
      tenantId,
      id,
    );
    return true;
  });
}
