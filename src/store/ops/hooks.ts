import type { Hook, HookPatch } from '../../domain/types.ts';
import { HOOK_COLUMNS, hookFromRow, hookValues, sealOrNull } from '../shared/rows.ts';
import { insertSql, listPage, one, patchUpdate, type PatchColumn, type Sql } from '../sql.ts';

const INSERT_HOOK = insertSql('hooks', HOOK_COLUMNS);

/** PostgreSQL NOTIFY channel of committed hook changes; payload `{"tenantId","hookId"}`. */
export const HOOK_CHANGED_CHANNEL = 'herald_hook_changed';

/**
 * Tells workers in other processes that a hook changed (PostgreSQL; on SQLite one process owns
 * the file and the in-process engine signal covers it). Sent inside the transaction of the
 * change, so it is delivered on commit and never for a change that rolled back.
 */
async function notifyHookChanged(tx: Sql, tenantId: string, hookId: string): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await tx.query('SELECT pg_notify($1, $2) AS n', [
    HOOK_CHANGED_CHANNEL,
    JSON.stringify({ tenantId, hookId }),
  ]);
}

const jsonOrNull = (v: unknown[] | null): string | null => (v === null ? null : JSON.stringify(v));

/** Patchable fields and how each is stored. */
const PATCH_COLUMNS: readonly PatchColumn<HookPatch>[] = [
  ['name', 'name'],
  ['url', 'url'],
  ['objects', 'objects', (v: string[]) => JSON.stringify(v)],
  ['events', 'events', jsonOrNull],
  ['enabled', 'enabled', (v: boolean, d) => d.boolParam(v)],
  ['username', 'username'],
  ['password', 'password', (v: string | null, d) => sealOrNull(d, v)],
  ['secret', 'secret', (v: string, d) => d.seal(v)],
  ['oldSecrets', 'old_secrets', (v: unknown[], d) => d.seal(JSON.stringify(v))],
  ['signatureScheme', 'signature_scheme'],
  ['publicKey', 'public_key'],
  ['failingSince', 'failing_since'],
  ['disabledReason', 'disabled_reason'],
  ['headers', 'headers', (v: Record<string, string>) => JSON.stringify(v)],
  ['filter', 'filter_schema', (v: object | null) => (v === null ? null : JSON.stringify(v))],
  ['rateLimit', 'rate_limit'],
  ['ordering', 'ordering'],
  ['orderingKey', 'ordering_key'],
];

/** Fails a hook's (or an orphan's) pending deliveries; the rows stay as history. */
export const FAIL_PENDING = `status = 'failed', last_error = 'hook deleted', next_attempt_at = NULL,
  lease_owner = NULL, lease_until = NULL`;

export async function createHook(sql: Sql, hook: Hook): Promise<void> {
  await sql.exec(INSERT_HOOK, hookValues(sql.d, hook));
}

export async function getHook(sql: Sql, tenantId: string, id: string): Promise<Hook | null> {
  const row = await one(sql, 'SELECT * FROM hooks WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row ? hookFromRow(sql.d, row) : null;
}

export async function listHooks(
  sql: Sql,
  tenantId: string,
  opts: { limit: number; after?: string },
): Promise<Hook[]> {
  return (await listPage(sql, 'hooks', tenantId, {}, opts)).map((r) => hookFromRow(sql.d, r));
}

/** Fan-out reads this for every event batch. */
export async function listEnabledHooks(sql: Sql, tenantId: string): Promise<Hook[]> {
  const rows = await sql.query(
    'SELECT * FROM hooks WHERE tenant_id = $1 AND enabled = TRUE ORDER BY id',
    [tenantId],
    'herald_list_enabled_hooks',
  );
  return rows.map((r) => hookFromRow(sql.d, r));
}

export async function updateHook(
  sql: Sql,
  tenantId: string,
  id: string,
  patch: HookPatch,
  now: number,
): Promise<Hook | null> {
  const q = patchUpdate(
    sql.d,
    'hooks',
    PATCH_COLUMNS,
    patch,
    { updated_at: now },
    'tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return sql.tx(async (tx) => {
    const row = await one(tx, q.text, q.params);
    if (!row) return null;
    await notifyHookChanged(tx, tenantId, id);
    return hookFromRow(tx.d, row);
  });
}

/** Deletes the hook and fails its pending deliveries; the delivery rows stay as history. */
export function deleteHook(sql: Sql, tenantId: string, id: string, now: number): Promise<boolean> {
  return sql.tx(async (tx) => {
    if ((await tx.exec('DELETE FROM hooks WHERE tenant_id = $1 AND id = $2', [tenantId, id])) === 0)
      return false;
    await tx.exec(
      `UPDATE deliveries SET ${FAIL_PENDING}, updated_at = $1
        WHERE tenant_id = $2 AND hook_id = $3 AND status = 'pending'`,
      [now, tenantId, id],
    );
    await tx.exec('DELETE FROM hook_rate_slots WHERE hook_id = $1', [id]);
    await notifyHookChanged(tx, tenantId, id);
    return true;
  });
}

export async function disableFailingHooks(
  sql: Sql,
  failingBefore: number,
  reason: string,
  now: number,
): Promise<Hook[]> {
  const hooks = await sql.tx(async (tx) => {
    const rows = await tx.query(
      `UPDATE hooks SET enabled = FALSE, disabled_reason = $1, updated_at = $2
        WHERE enabled = TRUE AND failing_since IS NOT NULL AND failing_since <= $3
        RETURNING *`,
      [reason, now, failingBefore],
    );
    const disabled = rows.map((r) => hookFromRow(tx.d, r));
    for (const h of disabled) await notifyHookChanged(tx, h.tenantId, h.id);
    return disabled;
  });
  return hooks.sort((a, b) => (a.id < b.id ? -1 : 1));
}
