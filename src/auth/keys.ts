import type { TenantId } from '../domain/ids.ts';
import { createHash, randomBytes } from 'node:crypto';
import { newId } from '../domain/ids.ts';
import type { ApiKey, KeyRole, Tenant } from '../domain/types.ts';
import type { Store } from '../store/store.ts';

export const DEFAULT_TENANT_ID = 'ten_default' as TenantId;

/** API keys are 32 random bytes; only their sha256 is stored (they are too long to guess). */
export function generateApiKey(): string {
  return `hk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createApiKey(
  store: Store,
  tenantId: string,
  opts: { role: KeyRole; name: string; key?: string },
): Promise<{ key: string; record: ApiKey }> {
  const key = opts.key ?? generateApiKey();
  const record: ApiKey = {
    id: newId('apiKey'),
    tenantId,
    name: opts.name,
    role: opts.role,
    hash: hashApiKey(key),
    prefix: key.slice(0, 10),
    createdAt: Date.now(),
    revokedAt: null,
  };
  await store.createApiKey(record);
  return { key, record };
}

export async function ensureDefaultTenant(store: Store): Promise<Tenant> {
  const existing = await store.getTenant(DEFAULT_TENANT_ID);
  if (existing) return existing;
  const tenant = { id: DEFAULT_TENANT_ID, name: 'Default', createdAt: Date.now() };
  try {
    await store.createTenant(tenant);
  } catch (err) {
    // Another process created it first.
    const again = await store.getTenant(DEFAULT_TENANT_ID);
    if (!again) throw err;
    return again;
  }
  return tenant;
}

/** Makes HERALD_ADMIN_KEY an admin key of the default tenant, unless it already is one. */
export async function ensureAdminKey(store: Store, key: string): Promise<void> {
  await ensureDefaultTenant(store);
  if (await store.findApiKeyByHash(hashApiKey(key))) return;
  try {
    await createApiKey(store, DEFAULT_TENANT_ID, { role: 'admin', name: 'HERALD_ADMIN_KEY', key });
  } catch (err) {
    if (!(await store.findApiKeyByHash(hashApiKey(key)))) throw err;
  }
}

/** Looks keys up with a short cache, so the hot publish path does not hit the database. */
export class KeyCache {
  private readonly store: Store;
  private readonly ttlMs: number;
  private readonly entries = new Map<string, { key: ApiKey | null; until: number }>();

  constructor(store: Store, ttlMs = 5000) {
    this.store = store;
    this.ttlMs = ttlMs;
  }

  async lookup(key: string): Promise<ApiKey | null> {
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.entries.get(hash);
    if (hit && hit.until > now) return hit.key;
    const found = await this.store.findApiKeyByHash(hash);
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(hash, { key: found, until: now + this.ttlMs });
    return found;
  }

  forget(): void {
    this.entries.clear();
  }
}
