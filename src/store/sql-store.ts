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
} from '../domain/types.ts';
import type { BuildStore } from './builds.ts';
import type { ConsoleStore } from './console.ts';
import { createBuildStore } from './ops/builds/index.ts';
import { createConsoleStore } from './ops/console/index.ts';
import * as deliveries from './ops/deliveries.ts';
import * as events from './ops/events.ts';
import * as hooks from './ops/hooks.ts';
import * as tenants from './ops/tenants.ts';
import * as workers from './ops/workers.ts';
import type { Sql } from './sql.ts';
import type { AttemptResult, InsertEventResult, NewEventWithDeliveries, Store } from './store.ts';

/** How long after its last heartbeat a registered worker owner counts as dead. */
export const DEFAULT_DEAD_AFTER_MS = 15_000;

export type ClaimOpts = { now: number; limit: number; leaseMs: number; owner: string };
export type PurgeCounts = { events: number; deliveries: number; attempts: number };

/**
 * What really differs per dialect: the hot paths (claiming: SKIP LOCKED vs the single writer;
 * bulk inserts: unnest vs cached per-row statements), migrations, notifications and setup.
 */
export interface Backend {
  readonly sql: Sql;
  migrate(): Promise<void>;
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
  claimDue(opts: ClaimOpts, deadAfterMs: number): Promise<ClaimedDelivery[]>;
  insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]>;
  recordAttempts(owner: string, results: AttemptResult[]): Promise<void>;
  purge(before: number): Promise<PurgeCounts>;
  subscribeWake(onWake: () => void): Promise<() => Promise<void>>;
}

/** The one Store: every operation whose SQL both dialects accept is written once, in ops/. */
export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly builds: BuildStore;
  readonly console: ConsoleStore;
  readonly #b: Backend;
  readonly #sql: Sql;
  readonly #deadAfterMs: number;

  constructor(backend: Backend, deadAfterMs = DEFAULT_DEAD_AFTER_MS) {
    this.#b = backend;
    this.#sql = backend.sql;
    this.#deadAfterMs = deadAfterMs;
    this.dialect = backend.sql.dialect;
    this.builds = createBuildStore(this.#sql, deadAfterMs);
    this.console = createConsoleStore(this.#sql);
  }

  migrate(): Promise<void> {
    return this.#b.migrate();
  }

  /** Versions recorded in herald_migrations (for tests and diagnostics). */
  appliedMigrations(): Promise<number[]> {
    return this.#b.appliedMigrations();
  }

  close(): Promise<void> {
    return this.#b.close();
  }

  async ping(): Promise<void> {
    await this.#sql.query('SELECT 1 AS x');
  }

  createTenant(tenant: Tenant): Promise<void> {
    return tenants.createTenant(this.#sql, tenant);
  }

  getTenant(id: string): Promise<Tenant | null> {
    return tenants.getTenant(this.#sql, id);
  }

  listTenants(): Promise<Tenant[]> {
    return tenants.listTenants(this.#sql);
  }

  createApiKey(key: ApiKey): Promise<void> {
    return tenants.createApiKey(this.#sql, key);
  }

  findApiKeyByHash(hash: string): Promise<ApiKey | null> {
    return tenants.findApiKeyByHash(this.#sql, hash);
  }

  listApiKeys(tenantId: string): Promise<ApiKey[]> {
    return tenants.listApiKeys(this.#sql, tenantId);
  }

  revokeApiKey(tenantId: string, id: string, now: number): Promise<boolean> {
    return tenants.revokeApiKey(this.#sql, tenantId, id, now);
  }

  createHook(hook: Hook): Promise<void> {
    return hooks.createHook(this.#sql, hook);
  }

  getHook(tenantId: string, id: string): Promise<Hook | null> {
    return hooks.getHook(this.#sql, tenantId, id);
  }

  listHooks(tenantId: string, opts: { limit: number; after?: string }): Promise<Hook[]> {
    return hooks.listHooks(this.#sql, tenantId, opts);
  }

  listEnabledHooks(tenantId: string): Promise<Hook[]> {
    return hooks.listEnabledHooks(this.#sql, tenantId);
  }

  updateHook(tenantId: string, id: string, patch: HookPatch, now: number): Promise<Hook | null> {
    return hooks.updateHook(this.#sql, tenantId, id, patch, now);
  }

  deleteHook(tenantId: string, id: string, now: number): Promise<boolean> {
    return hooks.deleteHook(this.#sql, tenantId, id, now);
  }

  insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]> {
    return this.#b.insertEvents(batch);
  }

  getEvent(tenantId: string, idOrEventId: string): Promise<StoredEvent | null> {
    return events.getEvent(this.#sql, tenantId, idOrEventId);
  }

  listEvents(
    tenantId: string,
    opts: { limit: number; after?: string; type?: string },
  ): Promise<StoredEvent[]> {
    return events.listEvents(this.#sql, tenantId, opts);
  }

  getDelivery(tenantId: string, id: string): Promise<Delivery | null> {
    return deliveries.getDelivery(this.#sql, tenantId, id);
  }

  listDeliveries(
    tenantId: string,
    opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
  ): Promise<Delivery[]> {
    return deliveries.listDeliveries(this.#sql, tenantId, opts);
  }

  listAttempts(tenantId: string, deliveryId: string): Promise<Attempt[]> {
    return deliveries.listAttempts(this.#sql, tenantId, deliveryId);
  }

  requeueDelivery(tenantId: string, id: string, now: number): Promise<Delivery | null> {
    return deliveries.requeueDelivery(this.#sql, tenantId, id, now);
  }

  recoverFailed(tenantId: string, hookId: string, since: number, now: number): Promise<number> {
    return deliveries.recoverFailed(this.#sql, tenantId, hookId, since, now);
  }

  claimDue(opts: ClaimOpts): Promise<ClaimedDelivery[]> {
    return this.#b.claimDue(opts, this.#deadAfterMs);
  }

  recordAttempts(owner: string, results: AttemptResult[]): Promise<void> {
    return this.#b.recordAttempts(owner, results);
  }

  extendLeases(owner: string, ids: string[], leaseUntil: number): Promise<number> {
    return deliveries.extendLeases(this.#sql, owner, ids, leaseUntil);
  }

  releaseLeases(owner: string, ids?: string[]): Promise<void> {
    return deliveries.releaseLeases(this.#sql, owner, ids);
  }

  registerWorker(owner: string, now: number): Promise<void> {
    return workers.registerWorker(this.#sql, owner, now);
  }

  heartbeatWorker(owner: string, now: number): Promise<void> {
    return workers.heartbeatWorker(this.#sql, owner, now);
  }

  unregisterWorker(owner: string): Promise<void> {
    return workers.unregisterWorker(this.#sql, owner);
  }

  disableFailingHooks(failingBefore: number, reason: string, now: number): Promise<Hook[]> {
    return hooks.disableFailingHooks(this.#sql, failingBefore, reason, now);
  }

  failOrphanedDeliveries(now: number): Promise<number> {
    return deliveries.failOrphanedDeliveries(this.#sql, now);
  }

  queueStats(now: number): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
    return deliveries.queueStats(this.#sql, now);
  }

  purge(before: number): Promise<PurgeCounts> {
    return this.#b.purge(before);
  }

  subscribeWake(onWake: () => void): Promise<() => Promise<void>> {
    return this.#b.subscribeWake(onWake);
  }
}
