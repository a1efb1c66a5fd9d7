import * as fifo from './ops/fifo-queues.ts';
import type { FifoQueue } from './ops/fifo-queues.ts';
import * as rateSlots from './ops/rate-slots.ts';
import type {
  ApiKey,
  Attempt,
  ClaimedDelivery,
  Delivery,
  Hook,
  HookPatch,
  StoredEvent,
  Tenant,
} from '../domain/types.ts';
import type { BuildStore } from './builds.ts';
import type { ConsoleStore } from './console.ts';
import type { LeaseStore } from './leased.ts';
import type { IssueStore } from './issues.ts';
import type { MonitorStore } from './monitors.ts';
import { extendLeased, releaseLeased } from './ops/leased.ts';
import { createBuildStore } from './ops/builds/index.ts';
import { createConsoleStore } from './ops/console/index.ts';
import type { EventTypeStore } from './event-types.ts';
import { createEventTypeStore } from './ops/event-types.ts';
import { createIssueStore } from './ops/issues/index.ts';
import { createMonitorStore } from './ops/monitors/index.ts';
import type { TestRunStore } from './testruns.ts';
import { createTestRunStore } from './ops/testruns/index.ts';
import * as deliveries from './ops/deliveries.ts';
import * as events from './ops/events.ts';
import * as hooks from './ops/hooks.ts';
import * as retention from './ops/purge.ts';
import type { PurgeCounts } from './ops/purge.ts';
import * as tenants from './ops/tenants.ts';
import * as workers from './ops/workers.ts';
import type { Sql } from './sql.ts';
import { SecretKeyError } from './sealing/box.ts';
import type { SecretSource } from './sealing/key-source.ts';
import { forgetOtherKeys, KeyHolder, prepareSealing, reseal } from './sealing/prepare.ts';
import type { AttemptResult, InsertEventResult, NewEventWithDeliveries, Store } from './store.ts';

/** How long after its last heartbeat a registered worker owner counts as dead. */
export const DEFAULT_DEAD_AFTER_MS = 15_000;

export type ClaimOpts = Parameters<Store['claimDue']>[0];
type QueueStats = { pending: number; due: number; oldestDueAt: number | null };
type HookChangeHandler = Parameters<Store['subscribeHookChanges']>[0];
type DeliveryListOpts = Parameters<Store['listDeliveries']>[1];

export interface Sealing {
  source: SecretSource;
  holder: KeyHolder;
}

/** The codec of a store opened with a secret source (its key is loaded by migrate). */
export function sealingFor(source: SecretSource | undefined): Sealing | null {
  return source ? { source, holder: new KeyHolder() } : null;
}

/**
 * What really differs per dialect: the hot paths (claiming: SKIP LOCKED vs the single writer;
 * bulk inserts: unnest vs cached per-row statements), migrations, notifications and setup.
 * (Purging is shared: ops/purge.ts.)
 */
export interface Backend {
  readonly sql: Sql;
  /** The secret key's source and the codec that waits for it; null: a store without sealing. */
  readonly sealing: Sealing | null;
  migrate(): Promise<void>;
  appliedMigrations(): Promise<number[]>;
  close(): Promise<void>;
  claimDue(opts: ClaimOpts, deadAfterMs: number): Promise<ClaimedDelivery[]>;
  insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]>;
  recordAttempts(owner: string, results: AttemptResult[]): Promise<void>;
  subscribeWake(onWake: () => void): Promise<() => Promise<void>>;
  subscribeHookChanges(onChange: HookChangeHandler): Promise<() => Promise<void>>;
}

/**
 * The one Store: every operation whose SQL both dialects accept is written once, in ops/, and
 * bound to the seam here; the rest goes to the dialect's Backend.
 */
export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly builds: BuildStore;
  readonly console: ConsoleStore;
  readonly monitors: MonitorStore;
  readonly testRuns: TestRunStore;
  readonly leases: LeaseStore;
  readonly eventTypes: EventTypeStore;
  readonly issues: IssueStore;
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
    this.monitors = createMonitorStore(this.#sql, deadAfterMs);
    this.testRuns = createTestRunStore(this.#sql, deadAfterMs);
    const sql = this.#sql;
    this.leases = {
      extend: (table, owner, ids, leaseUntil) => extendLeased(sql, table, owner, ids, leaseUntil),
      release: (table, owner, ids) => releaseLeased(sql, table, owner, ids),
    };
    this.eventTypes = createEventTypeStore(this.#sql);
    this.issues = createIssueStore(this.#sql);
  }

  /** Migrates, then loads and checks the secret key and seals what is still plain (sealing/prepare.ts). */
  migrate = async (): Promise<void> => {
    await this.#b.migrate();
    const s = this.#b.sealing;
    if (s) s.holder.box = await prepareSealing(this.#sql, s.source);
  };
  /**
   * Seals every secret with the current key and forgets the others (`herald secret-key rotate`).
   * Returns how many values it sealed again.
   */
  resealSecrets = async (onBatch?: (where: string, count: number) => void): Promise<number> => {
    const box = this.#b.sealing?.holder.box;
    if (!box) throw new SecretKeyError('this store has no secret key loaded: migrate it first');
    const count = await reseal(this.#sql, box, 'all', onBatch);
    await forgetOtherKeys(this.#sql, box);
    return count;
  };
  /** Versions recorded in herald_migrations (for tests and diagnostics). */
  appliedMigrations = (): Promise<number[]> => this.#b.appliedMigrations();
  close = (): Promise<void> => this.#b.close();
  ping = async (): Promise<void> => void (await this.#sql.query('SELECT 1 AS x'));

  createTenant = (t: Tenant): Promise<void> => tenants.createTenant(this.#sql, t);
  getTenant = (id: string): Promise<Tenant | null> => tenants.getTenant(this.#sql, id);
  listTenants = (): Promise<Tenant[]> => tenants.listTenants(this.#sql);
  createApiKey = (key: ApiKey): Promise<void> => tenants.createApiKey(this.#sql, key);
  findApiKeyByHash = (hash: string): Promise<ApiKey | null> => tenants.findApiKeyByHash(this.#sql, hash);
  listApiKeys = (tenantId: string): Promise<ApiKey[]> => tenants.listApiKeys(this.#sql, tenantId);
  revokeApiKey = (tenantId: string, id: string, now: number): Promise<boolean> =>
    tenants.revokeApiKey(this.#sql, tenantId, id, now);

  createHook = (hook: Hook): Promise<void> => hooks.createHook(this.#sql, hook);
  getHook = (tenantId: string, id: string): Promise<Hook | null> => hooks.getHook(this.#sql, tenantId, id);
  listHooks = (tenantId: string, opts: { limit: number; after?: string }): Promise<Hook[]> =>
    hooks.listHooks(this.#sql, tenantId, opts);
  listEnabledHooks = (tenantId: string): Promise<Hook[]> => hooks.listEnabledHooks(this.#sql, tenantId);
  updateHook = (tenantId: string, id: string, patch: HookPatch, now: number): Promise<Hook | null> =>
    hooks.updateHook(this.#sql, tenantId, id, patch, now);
  deleteHook = (tenantId: string, id: string, now: number): Promise<boolean> =>
    hooks.deleteHook(this.#sql, tenantId, id, now);
  disableFailingHooks = (failingBefore: number, reason: string, now: number): Promise<Hook[]> =>
    hooks.disableFailingHooks(this.#sql, failingBefore, reason, now);

  insertEvents = (batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]> =>
    this.#b.insertEvents(batch);
  getEvent = (tenantId: string, idOrEventId: string): Promise<StoredEvent | null> =>
    events.getEvent(this.#sql, tenantId, idOrEventId);
  listEvents = (
    tenantId: string,
    opts: { limit: number; after?: string; type?: string },
  ): Promise<StoredEvent[]> => events.listEvents(this.#sql, tenantId, opts);

  getDelivery = (tenantId: string, id: string): Promise<Delivery | null> =>
    deliveries.getDelivery(this.#sql, tenantId, id);
  listDeliveries = (tenantId: string, opts: DeliveryListOpts): Promise<Delivery[]> =>
    deliveries.listDeliveries(this.#sql, tenantId, opts);
  listAttempts = (tenantId: string, deliveryId: string): Promise<Attempt[]> =>
    deliveries.listAttempts(this.#sql, tenantId, deliveryId);
  requeueDelivery = (tenantId: string, id: string, now: number): Promise<Delivery | null> =>
    deliveries.requeueDelivery(this.#sql, tenantId, id, now);
  recoverFailed = (tenantId: string, hookId: string, since: number, now: number): Promise<number> =>
    deliveries.recoverFailed(this.#sql, tenantId, hookId, since, now);
  failOrphanedDeliveries = (now: number): Promise<number> =>
    deliveries.failOrphanedDeliveries(this.#sql, now);
  queueStats = (now: number): Promise<QueueStats> => deliveries.queueStats(this.#sql, now, this.#deadAfterMs);
  purge = (before: number): Promise<PurgeCounts> => retention.purge(this.#sql, before);

  claimDue = (opts: ClaimOpts): Promise<ClaimedDelivery[]> => this.#b.claimDue(opts, this.#deadAfterMs);
  recordAttempts = (owner: string, results: AttemptResult[]): Promise<void> =>
    this.#b.recordAttempts(owner, results);
  extendLeases = (owner: string, ids: string[], leaseUntil: number): Promise<number> =>
    deliveries.extendLeases(this.#sql, owner, ids, leaseUntil);
  releaseLeases = (owner: string, ids?: string[]): Promise<void> =>
    deliveries.releaseLeases(this.#sql, owner, ids);
  takeRateSlots = (
    hookId: string,
    nowUs: number,
    intervalUs: number,
    n: number,
  ): Promise<{ granted: number; nextAtUs: number }> =>
    rateSlots.takeRateSlots(this.#sql, hookId, nowUs, intervalUs, n);
  fifoQueues = (tenantId: string, hookId: string): Promise<FifoQueue[]> =>
    fifo.fifoQueues(this.#sql, tenantId, hookId);
  subscribeWake = (onWake: () => void): Promise<() => Promise<void>> => this.#b.subscribeWake(onWake);
  subscribeHookChanges = (onChange: HookChangeHandler): Promise<() => Promise<void>> =>
    this.#b.subscribeHookChanges(onChange);

  registerWorker = (owner: string, now: number): Promise<void> =>
    workers.registerWorker(this.#sql, owner, now);
  heartbeatWorker = (owner: string, now: number): Promise<void> =>
    workers.heartbeatWorker(this.#sql, owner, now);
  unregisterWorker = (owner: string): Promise<void> => workers.unregisterWorker(this.#sql, owner);
}
