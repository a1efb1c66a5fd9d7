import type { ApiKey, Tenant } from '../../domain/types.ts';
import type { SqliteDb } from './db.ts';
import { apiKeyFromRow, tenantFromRow } from './rows.ts';

export function createTenant(db: SqliteDb, t: Tenant): void {
  db.run('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)', t.id, t.name, t.createdAt);
}

export function getTenant(db: SqliteDb, id: string): Tenant | null {
  const row = db.get('SELECT * FROM tenants WHERE id = ?', id);
  return row ? tenantFromRow(row) : null;
}

export function listTenants(db: SqliteDb): Tenant[] {
  return db.all('SELECT * FROM tenants ORDER BY id DESC').map(tenantFromRow);
}

export function createApiKey(db: SqliteDb, k: ApiKey): void {
  db.run(
    `INSERT INTO api_keys (id, tenant_id, name, role, hash, prefix, created_at, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    k.id,
    k.tenantId,
    k.name,
    k.role,
    k.hash,
    k.prefix,
    k.createdAt,
    k.revokedAt ?? null,
  );
}

export function findApiKeyByHash(db: SqliteDb, hash: string): ApiKey | null {
  const row = db.get('SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL', hash);
  return row ? apiKeyFromRow(row) : null;
}

export function listApiKeys(db: SqliteDb, tenantId: string): ApiKey[] {
  return db.all('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY id DESC', tenantId).map(apiKeyFromRow);
}

/** True when the key exists; revoking twice keeps the first revocation time. */
export function revokeApiKey(db: SqliteDb, tenantId: string, id: string, now: number): boolean {
  const changed = db.run(
    'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ?',
    now,
    tenantId,
    id,
  );
  return changed > 0;
}
