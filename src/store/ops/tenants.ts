import type { ApiKey, Tenant } from '../../domain/types.ts';
import { apiKeyFromRow, tenantFromRow } from '../shared/rows.ts';
import { one, type Sql } from '../sql.ts';

export async function createTenant(sql: Sql, t: Tenant): Promise<void> {
  await sql.exec('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [
    t.id,
    t.name,
    t.createdAt,
  ]);
}

export async function getTenant(sql: Sql, id: string): Promise<Tenant | null> {
  const row = await one(sql, 'SELECT * FROM tenants WHERE id = $1', [id]);
  return row ? tenantFromRow(row) : null;
}

export async function listTenants(sql: Sql): Promise<Tenant[]> {
  return (await sql.query('SELECT * FROM tenants ORDER BY id DESC')).map(tenantFromRow);
}

export async function createApiKey(sql: Sql, k: ApiKey): Promise<void> {
  await sql.exec(
    `INSERT INTO api_keys (id, tenant_id, name, role, hash, prefix, created_at, revoked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [k.id, k.tenantId, k.name, k.role, k.hash, k.prefix, k.createdAt, k.revokedAt ?? null],
  );
}

/** On every authenticated request: a named prepared statement on Postgres. */
export async function findApiKeyByHash(sql: Sql, hash: string): Promise<ApiKey | null> {
  const rows = await sql.query(
    'SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL',
    [hash],
    'herald_find_api_key',
  );
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}

export async function listApiKeys(sql: Sql, tenantId: string): Promise<ApiKey[]> {
  return (await sql.query('SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY id DESC', [tenantId])).map(
    apiKeyFromRow,
  );
}

/** True when the key exists; revoking twice keeps the first revocation time. */
export async function revokeApiKey(sql: Sql, tenantId: string, id: string, now: number): Promise<boolean> {
  const changed = await sql.exec(
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE tenant_id = $2 AND id = $3',
    [now, tenantId, id],
  );
  return changed > 0;
}
