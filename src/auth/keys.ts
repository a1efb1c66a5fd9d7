import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey } from '../domain/types.ts';
import type { Store } from '../store/store.ts';

/** API keys are 32 random bytes; only their sha256 is stored (they are too long to guess). */
export function generateApiKey(): string {
  return `hk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
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
