import type { EventTypeVersion, TenantEventType } from '../../domain/tenant-event-types.ts';
import type { EventTypeStore } from '../event-types.ts';
import { bindOps, one, type Row, type Sql } from '../sql.ts';

/** A type with the schema of its current version. */
const SELECT_TYPE = `SELECT t.*, v.schema FROM event_types t
  JOIN event_type_versions v ON v.tenant_id = t.tenant_id AND v.name = t.name AND v.version = t.version`;

const NEXT_VERSION = `(SELECT COALESCE(MAX(version), 0) + 1 FROM event_type_versions
   WHERE tenant_id = $1 AND name = $2)`;

function typeFromRow(r: Row): TenantEventType {
  return {
    tenantId: String(r['tenant_id']),
    name: String(r['name']),
    description: r['description'] === null ? null : String(r['description']),
    version: Number(r['version']),
    schema: String(r['schema']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
  };
}

async function addVersion(
  tx: Sql,
  tenantId: string,
  name: string,
  version: number,
  schema: string,
  now: number,
) {
  await tx.exec(
    `INSERT INTO event_type_versions (tenant_id, name, version, schema, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [tenantId, name, version, schema, now],
  );
}

export function create(sql: Sql, t: Omit<TenantEventType, 'version'>): Promise<TenantEventType | null> {
  return sql.tx(async (tx) => {
    // The row insert decides a race between two creates: the second waits on the key, then
    // inserts nothing.
    const rows = await tx.query(
      `INSERT INTO event_types (tenant_id, name, description, version, created_at, updated_at)
       VALUES ($1, $2, $3, ${NEXT_VERSION}, $4, $4)
       ON CONFLICT DO NOTHING RETURNING version`,
      [t.tenantId, t.name, t.description, t.createdAt],
    );
    if (rows.length === 0) return null;
    const version = Number(rows[0]!['version']);
    await addVersion(tx, t.tenantId, t.name, version, t.schema, t.createdAt);
    return { ...t, version };
  });
}

export async function get(sql: Sql, tenantId: string, name: string): Promise<TenantEventType | null> {
  const row = await one(sql, `${SELECT_TYPE} WHERE t.tenant_id = $1 AND t.name = $2`, [tenantId, name]);
  return row ? typeFromRow(row) : null;
}

export async function list(sql: Sql, tenantId: string, limit: number): Promise<TenantEventType[]> {
  const rows = await sql.query(`${SELECT_TYPE} WHERE t.tenant_id = $1 ORDER BY t.name LIMIT $2`, [
    tenantId,
    limit,
  ]);
  return rows.map(typeFromRow);
}

export async function count(sql: Sql, tenantId: string): Promise<number> {
  const row = await one(sql, 'SELECT COUNT(*) AS n FROM event_types WHERE tenant_id = $1', [tenantId]);
  return Number(row?.['n'] ?? 0);
}

export function update(
  sql: Sql,
  tenantId: string,
  name: string,
  change: { description?: string | null; schema?: string },
  now: number,
): Promise<TenantEventType | null> {
  return sql.tx(async (tx) => {
    const row = await one(
      tx,
      `${SELECT_TYPE} WHERE t.tenant_id = $1 AND t.name = $2${tx.forUpdate('OF t')}`,
      [tenantId, name],
    );
    if (!row) return null;
    const current = typeFromRow(row);
    let version = current.version;
    if (change.schema !== undefined && change.schema !== current.schema) {
      const next = await one(tx, `SELECT ${NEXT_VERSION} AS v`, [tenantId, name]);
      version = Number(next!['v']);
      await addVersion(tx, tenantId, name, version, change.schema, now);
    }
    const description = change.description !== undefined ? change.description : current.description;
    await tx.exec(
      `UPDATE event_types SET description = $3, version = $4, updated_at = $5
        WHERE tenant_id = $1 AND name = $2`,
      [tenantId, name, description, version, now],
    );
    return {
      ...current,
      description,
      version,
      schema: change.schema ?? current.schema,
      updatedAt: now,
    };
  });
}

/** Hook ids of the tenant whose `events` name the type (JSON text, so matched here). */
async function subscribers(tx: Sql, tenantId: string, name: string): Promise<string[]> {
  const rows = await tx.query('SELECT id, events FROM hooks WHERE tenant_id = $1 AND events IS NOT NULL', [
    tenantId,
  ]);
  return rows
    .filter((r) => (JSON.parse(String(r['events'])) as string[]).includes(name))
    .map((r) => String(r['id']));
}

export function remove(
  sql: Sql,
  tenantId: string,
  name: string,
): Promise<{ deleted: boolean; hooks: string[] }> {
  return sql.tx(async (tx) => {
    const exists = await one(
      tx,
      `SELECT name FROM event_types WHERE tenant_id = $1 AND name = $2${tx.forUpdate()}`,
      [tenantId, name],
    );
    if (!exists) return { deleted: false, hooks: [] };
    const hooks = await subscribers(tx, tenantId, name);
    if (hooks.length > 0) return { deleted: false, hooks };
    await tx.exec('DELETE FROM event_types WHERE tenant_id = $1 AND name = $2', [tenantId, name]);
    return { deleted: true, hooks: [] };
  });
}

export async function versions(sql: Sql, tenantId: string, name: string): Promise<EventTypeVersion[]> {
  const rows = await sql.query(
    `SELECT version, schema, created_at FROM event_type_versions
      WHERE tenant_id = $1 AND name = $2 ORDER BY version`,
    [tenantId, name],
  );
  return rows.map((r) => ({
    version: Number(r['version']),
    schema: String(r['schema']),
    createdAt: Number(r['created_at']),
  }));
}

/** The event type store over the SQL seam. */
export function createEventTypeStore(sql: Sql): EventTypeStore {
  return {
    ...bindOps(sql, { create, get, list, count, update, versions }),
    delete: (tenantId, name) => remove(sql, tenantId, name),
  };
}
