import type pg from 'pg';
import type { Hook, HookPatch } from '../../domain/types.ts';
import { query, withTx } from './pool.ts';
import type { Queryable } from './pool.ts';
import { HOOK_COLUMNS, hookFromRow, hookValues, params } from './rows.ts';
import { listPage } from './page.ts';

const INSERT_HOOK = `INSERT INTO hooks (${HOOK_COLUMNS.join(', ')}) VALUES (${params(HOOK_COLUMNS.length)})`;

/** Patchable fields and how each is stored. */
const PATCH_COLUMNS: readonly [keyof HookPatch, string, (v: never) => unknown][] = [
  ['name', 'name', (v: string) => v],
  ['url', 'url', (v: string) => v],
  ['objects', 'objects', (v: string[]) => JSON.stringify(v)],
  ['events', 'events', (v: string[] | null) => (v === null ? null : JSON.stringify(v))],
  ['enabled', 'enabled', (v: boolean) => v],
  ['username', 'username', (v: string | null) => v],
  ['password', 'password', (v: string | null) => v],
  ['secret', 'secret', (v: string) => v],
  ['oldSecrets', 'old_secrets', (v: unknown[]) => JSON.stringify(v)],
  ['failingSince', 'failing_since', (v: number | null) => v],
  ['disabledReason', 'disabled_reason', (v: string | null) => v],
];

export async function createHook(db: Queryable, hook: Hook): Promise<void> {
  await query(db, INSERT_HOOK, hookValues(hook));
}

export async function getHook(db: Queryable, tenantId: string, id: string): Promise<Hook | null> {
  const { rows } = await query(db, 'SELECT * FROM hooks WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return rows[0] ? hookFromRow(rows[0]) : null;
}

export async function listHooks(
  db: Queryable,
  tenantId: string,
  opts: { limit: number; after?: string },
): Promise<Hook[]> {
  return (await listPage(db, 'hooks', tenantId, {}, opts)).map((r) => hookFromRow(r));
}

export async function listEnabledHooks(db: Queryable, tenantId: string): Promise<Hook[]> {
  const { rows } = await query(
    db,
    'SELECT * FROM hooks WHERE tenant_id = $1 AND enabled ORDER BY id',
    [tenantId],
    'herald_list_enabled_hooks',
  );
  return rows.map((r) => hookFromRow(r));
}

export async function updateHook(
  db: Queryable,
  tenantId: string,
  id: string,
  patch: HookPatch,
  now: number,
): Promise<Hook | null> {
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, column, encode] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined) continue;
    values.push(encode(value as never));
    sets.push(`${column} = $${values.length}`);
  }
  values.push(now);
  sets.push(`updated_at = $${values.length}`);
  values.push(tenantId, id);
  const { rows } = await query(
    db,
    `UPDATE hooks SET ${sets.join(', ')} WHERE tenant_id = $${values.length - 1} AND id = $${values.length}
     RETURNING *`,
    values,
  );
  return rows[0] ? hookFromRow(rows[0]) : null;
}

/** Deletes the hook and fails its pending deliveries; the delivery rows stay as history. */
export async function deleteHook(pool: pg.Pool, tenantId: string, id: string, now: number): Promise<boolean> {
  return withTx(pool, async (c) => {
    const deleted = await query(c, 'DELETE FROM hooks WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    if (deleted.rowCount === 0) return false;
    await query(
      c,
      `UPDATE deliveries
          SET status = 'failed', last_error = 'hook deleted', next_attempt_at = NULL,
              lease_owner = NULL, lease_until = NULL, updated_at = $1
        WHERE tenant_id = $2 AND hook_id = $3 AND status = 'pending'`,
      [now, tenantId, id],
    );
    return true;
  });
}
