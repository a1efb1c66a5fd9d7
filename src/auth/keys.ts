import type { ApiKey } from '../domain/types.ts';
import { hashApiKey, KeyService } from '../services/keys.ts';
import type { Store } from '../store/store.ts';

export { generateApiKey, hashApiKey } from '../services/keys.ts';
export { DEFAULT_TENANT_ID } from '../services/tenants.ts';

/** Makes HERALD_ADMIN_KEY an admin key of the default tenant (start-up, before the services exist). */
export function ensureAdminKey(store: Store, key: string): Promise<void> {
  return new KeyService({ store }).ensureAdminKey(key);
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
