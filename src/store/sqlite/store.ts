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
import { createSqliteBuildStore } from './builds/index.ts';
import { createSqliteConsoleStore } from './console/index.ts';
import { claimDue, extendLeases, loadClaimed, releaseLeases } from './claim.ts';
import { SqliteDb } from './db.ts';
import type { SqliteSynchronous } from './db.ts';
import * as deliveries from './deliveries.ts';
import * as events from './events.ts';
import * as hooks from './hooks.ts';
import { insertEvents } from './insertEvents.ts';
import * as maintenance from './maintenance.ts';
import { appliedMigrations, migrateSqlite } from './migrate.ts';
import { recordAttempts } from './recordAttempts.ts';
import * as tenants from './tenants.ts';

export interface SqliteStoreOptions {
  /** Path of the database file. */
  file: string;
  synchronous?: SqliteSynchronous;
  busyTimeoutMs?: number;
}

/**
 * The embedded backend: one `node:sqlite` connection to a WAL-mode file, owned by this
 * process. Methods are async only to share the Store interface; each runs synchronously.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly file: string;
  readonly #db: SqliteDb;
  readonly builds: BuildStore;
  readonly console: ConsoleStore;

  constructor(opts: SqliteStoreOptions) {
    this.file = opts.file;
    this.#db = new SqliteDb(opts);
    this.builds = createSqliteBuildStore(this.#db);
    this.console = createSqliteConsoleStore(this.#db);
  }

  async migrate(): Promise<void> {
    await migrateSqlite(this.#db);
  }

  /** Versions recorded in herald_migrations (for tests and diagnostics). */
  async appliedMigrations(): Promise<number[]> {
    return appliedMigrations(this.#db);
  }

  async close(): Promise<void> {
    this.#db.close();
  }

  async ping(): Promise<void> {
    this.#db.get('SELECT 1');
  }

  async createTenant(tenant: Tenant): Promise<void> {
    tenants.createTenant(this.#db, tenant);
  }

  async getTenant(id: string): Promise<Tenant | null> {
    return tenants.getTenant(this.#db, id);
  }

  async listTenants(): Promise<Tenant[]> {
    return tenants.listTenants(this.#db);
  }

  async createApiKey(key: ApiKey): Promise<void> {
    tenants.createApiKey(this.#db, key);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKey | null> {
    return tenants.findApiKeyByHash(this.#db, hash);
  }

  async listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return tenants.listApiKeys(this.#db, tenantId);
  }

  async revokeApiKey(tenantId: string, id: string, now: number): Promise<boolean> {
    return tenants.revokeApiKey(this.#db, tenantId, id, now);
  }

  async createHook(hook: Hook): Promise<void> {
    hooks.createHook(this.#db, hook);
  }

  async getHook(tenantId: string, id: string): Promise<Hook | null> {
    return hooks.getHook(this.#db, tenantId, id);
  }

  async listHooks(tenantId: string, opts: { limit: number; after?: string }): Promise<Hook[]> {
    return hooks.listHooks(this.#db, tenantId, opts);
  }

  async listEnabledHooks(tenantId: string): Promise<Hook[]> {
    return hooks.listEnabledHooks(this.#db, tenantId);
  }

  async updateHook(tenantId: string, id: string, patch: HookPatch, now: number): Promise<Hook | null> {
    return hooks.updateHook(this.#db, tenantId, id, patch, now);
  }

  async deleteHook(tenantId: string, id: string, now: number): Promise<boolean> {
    return hooks.deleteHook(this.#db, tenantId, id, now);
  }

  async insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]> {
    return insertEvents(this.#db, batch);
  }

  async getEvent(tenantId: string, idOrEventId: string): Promise<StoredEvent | null> {
    return events.getEvent(this.#db, tenantId, idOrEventId);
  }

  async listEvents(
    tenantId: string,
    opts: { limit: number; after?: string; type?: string },
  ): Promise<StoredEvent[]> {
    return events.listEvents(this.#db, tenantId, opts);
  }

  async getDelivery(tenantId: string, id: string): Promise<Delivery | null> {
    return deliveries.getDelivery(this.#db, tenantId, id);
  }

  async listDeliveries(
    tenantId: string,
    opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
  ): Promise<Delivery[]> {
    return deliveries.listDeliveries(this.#db, tenantId, opts);
  }

  async listAttempts(tenantId: string, deliveryId: string): Promise<Attempt[]> {
    return deliveries.listAttempts(this.#db, tenantId, deliveryId);
  }

  async requeueDelivery(tenantId: string, id: string, now: number): Promise<Delivery | null> {
    return deliveries.requeueDelivery(this.#db, tenantId, id, now);
  }

  async recoverFailed(tenantId: string, hookId: string, since: number, now: number): Promise<number> {
    return deliveries.recoverFailed(this.#db, tenantId, hookId, since, now);
  }

  async claimDue(opts: {
    now: number;
    limit: number;
    leaseMs: number;
    owner: string;
  }): Promise<ClaimedDelivery[]> {
    return claimDue(this.#db, opts);
  }

  async loadClaimed(owner: string, ids: string[]): Promise<ClaimedDelivery[]> {
    return loadClaimed(this.#db, owner, ids);
  }

  async recordAttempts(owner: string, results: AttemptResult[]): Promise<void> {
    recordAttempts(this.#db, owner, results);
  }

  async releaseLeases(owner: string, ids?: string[]): Promise<void> {
    releaseLeases(this.#db, owner, ids);
  }

  async extendLeases(owner: string, ids: string[], leaseUntil: number): Promise<number> {
    return extendLeases(this.#db, owner, ids, leaseUntil);
  }

  async disableFailingHooks(failingBefore: number, reason: string, now: number): Promise<Hook[]> {
    return maintenance.disableFailingHooks(this.#db, failingBefore, reason, now);
  }

  async queueStats(now: number): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
    return maintenance.queueStats(this.#db, now);
  }

  async failOrphanedDeliveries(now: number): Promise<number> {
    return maintenance.failOrphanedDeliveries(this.#db, now);
  }

  async purge(before: number): Promise<{ events: number; deliveries: number; attempts: number }> {
    return maintenance.purge(this.#db, before);
  }

  /** One process owns the file and wakes its own workers; nothing to listen to. */
  async subscribeWake(_onWake: () => void): Promise<() => Promise<void>> {
    return async () => {};
  }
}
