import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { ApiKey, KeyRole } from '../domain/types.ts';
import { generateApiKey, hashApiKey } from '../auth/keys.ts';
import type { ServiceDeps } from './deps.ts';
import { DEFAULT_TENANT_ID, TenantService } from './tenants.ts';

export { generateApiKey, hashApiKey } from '../auth/keys.ts';

/**
 * What any view shows of a key: `hk_` and 4 characters of a generated key, 4 characters of an
 * operator-chosen one (HERALD_ADMIN_KEY may be short, so it gets less). Enough to tell keys
 * apart, far too little to help guess one. Rows stored before this kept 10 characters; they
 * are cut the same way when shown.
 */
export function keyPrefix(stored: string): string {
  return stored.startsWith('hk_') ? stored.slice(0, 7) : stored.slice(0, 4);
}

export interface NewKey {
  role?: KeyRole | undefined;
  name?: string | undefined;
  /** A key chosen by the operator (HERALD_ADMIN_KEY); default: a fresh random one. */
  key?: string | undefined;
}

/** API keys: minted here, shown once, stored as a hash. */
export class KeyService {
  protected readonly deps: Pick<ServiceDeps, 'store'>;
  readonly #tenants: TenantService;

  constructor(deps: Pick<ServiceDeps, 'store'>) {
    this.deps = deps;
    this.#tenants = new TenantService(deps);
  }

  /** Creates a key for an existing tenant (the default tenant is created if missing). */
  async create(tenantId: string, input: NewKey = {}): Promise<{ key: string; record: ApiKey }> {
    await this.#tenants.require(tenantId);
    const name = input.name ?? 'api';
    if (name.trim() === '' || name.length > 200)
      throw new HeraldError('VALIDATION_FAILED', 'name must be 1 to 200 characters', [
        { path: '/name', message: 'must be 1 to 200 characters' },
      ]);
    const key = input.key ?? generateApiKey();
    const record: ApiKey = {
      id: newId('apiKey'),
      tenantId,
      name,
      role: input.role ?? 'member',
      hash: hashApiKey(key),
      prefix: keyPrefix(key),
      createdAt: Date.now(),
      revokedAt: null,
    };
    await this.deps.store.createApiKey(record);
    return { key, record };
  }

  list(tenantId: string): Promise<ApiKey[]> {
    return this.deps.store.listApiKeys(tenantId);
  }

  async listOf(tenantId: string): Promise<ApiKey[]> {
    await this.#tenants.get(tenantId);
    return this.list(tenantId);
  }

  async get(tenantId: string, id: string): Promise<ApiKey> {
    const key = (await this.list(tenantId)).find((k) => k.id === id);
    if (!key) throw new HeraldError('KEY_NOT_FOUND', `No key ${id}`);
    return key;
  }

  async revoke(tenantId: string, id: string, now = Date.now()): Promise<void> {
    if (!(await this.deps.store.revokeApiKey(tenantId, id, now)))
      throw new HeraldError('KEY_NOT_FOUND', `No key ${id}`);
  }

  /** Only keys that are not revoked. */
  findByKey(key: string): Promise<ApiKey | null> {
    return this.deps.store.findApiKeyByHash(hashApiKey(key));
  }

  /** Makes HERALD_ADMIN_KEY an admin key of the default tenant, unless it already is one. */
  async ensureAdminKey(key: string): Promise<void> {
    await this.#tenants.ensureDefault();
    if (await this.findByKey(key)) return;
    try {
      await this.create(DEFAULT_TENANT_ID, { role: 'admin', name: 'HERALD_ADMIN_KEY', key });
    } catch (err) {
      // Another process created it first.
      if (!(await this.findByKey(key))) throw err;
    }
  }

  /**
   * First run: when the default tenant has no key at all (and none is configured), mints an
   * admin key and returns it, to be shown once. Otherwise null.
   */
  async firstRunKey(): Promise<string | null> {
    await this.#tenants.ensureDefault();
    if ((await this.list(DEFAULT_TENANT_ID)).length > 0) return null;
    return (await this.create(DEFAULT_TENANT_ID, { role: 'admin', name: 'first-run' })).key;
  }
}
