import { HeraldError } from '../domain/errors.ts';
import { newId, type TenantId } from '../domain/ids.ts';
import type { Tenant } from '../domain/types.ts';
import type { ServiceDeps } from './deps.ts';

/** The operator's own tenant: its admin keys manage the other tenants. */
export const DEFAULT_TENANT_ID = 'ten_default' as TenantId;

export class TenantService {
  protected readonly deps: Pick<ServiceDeps, 'store'>;

  constructor(deps: Pick<ServiceDeps, 'store'>) {
    this.deps = deps;
  }

  async create(name: string, now = Date.now()): Promise<Tenant> {
    const trimmed = name.trim();
    if (trimmed === '')
      throw new HeraldError('VALIDATION_FAILED', 'name must not be blank', [
        { path: '/name', message: 'must not be blank' },
      ]);
    const tenant: Tenant = { id: newId('tenant', now), name: trimmed, createdAt: now };
    await this.deps.store.createTenant(tenant);
    return tenant;
  }

  list(): Promise<Tenant[]> {
    return this.deps.store.listTenants();
  }

  async get(id: string): Promise<Tenant> {
    const tenant = await this.deps.store.getTenant(id);
    if (!tenant) throw new HeraldError('TENANT_NOT_FOUND', `No tenant ${id}`);
    return tenant;
  }

  /** The default tenant, created on first use (safe when two processes race for it). */
  async ensureDefault(): Promise<Tenant> {
    const { store } = this.deps;
    const existing = await store.getTenant(DEFAULT_TENANT_ID);
    if (existing) return existing;
    const tenant = { id: DEFAULT_TENANT_ID, name: 'Default', createdAt: Date.now() };
    try {
      await store.createTenant(tenant);
    } catch (err) {
      const again = await store.getTenant(DEFAULT_TENANT_ID);
      if (!again) throw err;
      return again;
    }
    return tenant;
  }

  /** The tenant, which must exist; the default tenant is created if missing. */
  async require(id: string): Promise<Tenant> {
    return id === DEFAULT_TENANT_ID ? this.ensureDefault() : this.get(id);
  }
}
