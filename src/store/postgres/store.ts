import type pg from 'pg';
import type {
  ApiKey,
  Attempt,
  ClaimedDelivery,
  Delivery,
  DeliveryStatus,
  Hook,
  HookPatch,
  StoredEvent,
  Tenant,
} from '../../domain/types.ts';
import type { AttemptResult, InsertEventResult, NewEventWithDeliveries, Store } from '../store.ts';
import type { BuildStore } from '../builds.ts';
import type { ConsoleStore } from '../console.ts';
import { createPostgresBuildStore } from './builds/index.ts';
import { createPostgresConsoleStore } from './console/index.ts';
import { claimDue, extendLeases, loadClaimed, releaseLeases } from './claim.ts';
import * as deliveries from './deliveries.ts';
import * as events from './events.ts';
import * as hooks from './hooks.ts';
import { insertEvents } from './insertEvents.ts';
import * as maintenance from './maintenance.ts';
import { appliedMigrations, migratePostgres } from './migrate.ts';
import { createPool } from './pool.ts';
import { recordAttempts } from './recordAttempts.ts';
import * as tenants from './tenants.ts';
import { WakeListener } from './wake.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db` */
  connectionString: string;
  /** Pool size; default 10. */
  poolSize?: number;
  /** Errors that have no caller to throw to: idle pooled connections, the wake listener. */
  onError?: (err: Error) => void;
}

/**
 * The shared backend: any number of API and worker processes on one database. Workers
 * claim with FOR UPDATE SKIP LOCKED and are woken by LISTEN/NOTIFY.
 */
export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #wake: WakeListener;
  readonly builds: BuildStore;
  readonly console: ConsoleStore;

  constructor(opts: PostgresStoreOptions) {
    this.#pool = createPool({
      connectionString: opts.connectionString,
      ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }),
      ...(opts.onError === undefined ? {} : { onError: opts.onError }),
    });
    this.#wake = new WakeListener(opts.connectionString, opts.onError);
    this.builds = createPostgresBuildStore(this.#pool);
    this.console = createPostgresConsoleStore(this.#pool);
  }

  async migrate(): Promise<void> {
    await migratePostgres(this.#pool);
  }

  /** Versions recorded in herald_migrations (for tests and diagnostics). */
  async appliedMigrations(): Promise<number[]> {
    return appliedMigrations(this.#pool);
  }

  async close(): Promise<void> {
    await this.#wake.close();
    await this.#pool.end();
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  createTenant(tenant: Tenant): Promise<void> {
    return tenants.createTenant(this.#pool, tenant);
  }

  getTenant(id: string): Promise<Tenant | null> {
    return tenants.getTenant(this.#pool, id);
  }

  listTenants(): Promise<Tenant[]> {
    return tenants.listTenants(this.#pool);
  }

  createApiKey(key: ApiKey): Promise<void> {
    return tenants.createApiKey(this.#pool, key);
  }

  findApiKeyByHash(hash: string): Promise<ApiKey | null> {
    return tenants.findApiKeyByHash(this.#pool, hash);
  }

  listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return tenants.listApiKeys(this.#pool, tenantId);
  }

  revokeApiKey(tenantId: string, id: string, now: number): Promise<boolean> {
    return tenants.revokeApiKey(this.#pool, tenantId, id, now);
  }

  createHook(hook: Hook): Promise<void> {
    return hooks.createHook(this.#pool, hook);
  }

  getHook(tenantId: string, id: string): Promise<Hook | null> {
    return hooks.getHook(this.#pool, tenantId, id);
  }

  listHooks(tenantId: string, opts: { limit: number; after?: string }): Promise<Hook[]> {
    return hooks.listHooks(this.#pool, tenantId, opts);
  }

  listEnabledHooks(tenantId: string): Promise<Hook[]> {
    return hooks.listEnabledHooks(this.#pool, tenantId);
  }

  updateHook(tenantId: string, id: string, patch: HookPatch, now: number): Promise<Hook | null> {
    return hooks.updateHook(this.#pool, tenantId, id, patch, now);
  }

  deleteHook(tenantId: string, id: string, now: number): Promise<boolean> {
    return hooks.deleteHook(this.#pool, tenantId, id, now);
  }

  insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]> {
    return insertEvents(this.#pool, batch);
  }

  getEvent(tenantId: string, idOrEventId: string): Promise<StoredEvent | null> {
    return events.getEvent(this.#pool, tenantId, idOrEventId);
  }

  listEvents(
    tenantId: string,
    opts: { limit: number; after?: string; type?: string },
  ): Promise<StoredEvent[]> {
    return events.listEvents(this.#pool, tenantId, opts);
  }

  getDelivery(tenantId: string, id: string): Promise<Delivery | null> {
    return deliveries.getDelivery(this.#pool, tenantId, id);
  }

  listDeliveries(
    tenantId: string,
    opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
  ): Promise<Delivery[]> {
    return deliveries.listDeliveries(this.#pool, tenantId, opts);
  }

  listAttempts(tenantId: string, deliveryId: string): Promise<Attempt[]> {
    return deliveries.listAttempts(this.#pool, tenantId, deliveryId);
  }

  requeueDelivery(tenantId: string, id: string, now: number): Promise<Delivery | null> {
    return deliveries.requeueDelivery(this.#pool, tenantId, id, now);
  }

  recoverFailed(tenantId: string, hookId: string, since: number, now: number): Promise<number> {
    return deliveries.recoverFailed(this.#pool, tenantId, hookId, since, now);
  }

  claimDue(opts: { now: number; limit: number; leaseMs: number; owner: string }): Promise<ClaimedDelivery[]> {
    return claimDue(this.#pool, opts);
  }

  loadClaimed(owner: string, ids: string[]): Promise<ClaimedDelivery[]> {
    return loadClaimed(this.#pool, owner, ids);
  }

  recordAttempts(owner: string, results: AttemptResult[]): Promise<void> {
    return recordAttempts(this.#pool, owner, results);
  }

  releaseLeases(owner: string, ids?: string[]): Promise<void> {
    return releaseLeases(this.#pool, owner, ids);
  }

  extendLeases(owner: string, ids: string[], leaseUntil: number): Promise<number> {
    return extendLeases(this.#pool, owner, ids, leaseUntil);
  }

  disableFailingHooks(failingBefore: number, reason: string, now: number): Promise<Hook[]> {
    return maintenance.disableFailingHooks(this.#pool, failingBefore, reason, now);
  }

  queueStats(now: number): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
    return maintenance.queueStats(this.#pool, now);
  }

  async failOrphanedDeliveries(now: number): Promise<number> {
    return maintenance.failOrphanedDeliveries(this.#pool, now);
  }

  purge(before: number): Promise<{ events: number; deliveries: number; attempts: number }> {
    return maintenance.purge(this.#pool, before);
  }

  subscribeWake(onWake: () => void): Promise<() => Promise<void>> {
    return this.#wake.subscribe(onWake);
  }
}
