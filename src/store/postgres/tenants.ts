import type { ApiKey, Tenant } from '../../domain/types.ts';
import { query } from './pool.ts';
import type { Queryable } from './pool.ts';
import { apiKeyFromRow, tenantFromRow } from './rows.ts';

export async function createTenant(db: Queryable, t: Tenant): Promise<void> {
  await query(db, 'INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [
    t.id,
    t.name,
    t.createdAt,
  ]);
}

export async function getTenant(db: Queryable, id: string): Promise<Tenant | null> {
  const { rows } = await query(db, 'SELECT * FROM tenants WHERE id = $1', [id]);
  return rows[0] ? tenantFromRow(rows[0]) : null;
}

export async function listTenants(db: Queryable): Promise<Tenant[]> {
  const { rows } = await query(db, 'SELECT * FROM tenants ORDER BY id DESC');
  return rows.map(tenantFromRow);
}

export async function createApiKey(db: Queryable, k: ApiKey): Promise<void> {
  await query(
    db,
    `INSERT INTO api_keys (id, tenant_id, name, role, hash, prefix, created_at, revoked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [k.id, k.tenantId, k.name, k.role, k.hash, k.prefix, k.createdAt, k.revokedAt ?? null],
  );
}

export async function findApiKeyByHash(db: Queryable, hash: string): Promise<ApiKey | null> {
  const { rows } = await query(
    db,
    'SELECT * FROM api_keys WHERE hash = $1 AND revoked_at IS NULL',
    [hash],
    'herald_find_api_key',
  );
  return rows[0] ? apiKeyFromRow(rows[0]) : null;
}

export async function listApiKeys(db: Queryable, tenantId: string): Promise<ApiKey[]> {
  const { rows } = await query(db, 'SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY id DESC', [
    tenantId,
  ]);
  return rows.map(apiKeyFromRow);
}

/** True when the key exists; revoking twice keeps the first revocation time. */
export async function revokeApiKey(
  db: Queryable,
  tenantId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const res = await query(
    db,
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE tenant_id = $2 AND id = $3',
    [now, tenantId, id],
  );
  return (res.rowCount ?? 0) > 0;
}
