import type { FifoQueue } from './ops/fifo-queues.ts';
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
import type { LeaseStore } from './leased.ts';
import type { EventTypeStore } from './event-types.ts';
import type { IssueStore } from './issues.ts';
import type { MonitorStore } from './monitors.ts';
import type { TestRunStore } from './testruns.ts';

/**
 * The one seam between Herald and its database. SQLite (`node:sqlite`) and PostgreSQL (`pg`)
 * implement it, and test/store/conformance.ts runs the same suite against both.
 *
 * Every method that takes a tenantId only ever sees that tenant's rows: a row of another
 * tenant is reported exactly as a missing one.
 */
/** A place in the delivery queue's order: next attempt time, then id. */
export interface QueuePlace {
  at: number;
  id: string;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Projects, site monitors, traces and builds. */
  readonly builds: BuildStore;
  /** Users and sessions of the web console. */
  readonly console: ConsoleStore;
  /** Site monitors' schedules and their claimed slots. */
  readonly monitors: MonitorStore;
  /** Tenon test runs and their durable run queue. */
  readonly testRuns: TestRunStore;
  /** The leases of every kind of run (build runs, test runs, monitor slots): one set of operations. */
  readonly leases: LeaseStore;
  /** Tenants' own event types and their schema versions. */
  readonly eventTypes: EventTypeStore;
  /** Issues site monitors track across slots, and their issue.* outbox. */
  readonly issues: IssueStore;
  /** Applies pending numbered migrations, each in a transaction that records its version. */
  /** Applies migrations, then loads and checks the secret key (see sealing/prepare.ts). */
  migrate(): Promise<void>;
  /** Seals every secret again with the current key; the others are then no longer needed. */
  resealSecrets(onBatch?: (where: string, count: number) => void): Promise<number>;
  close(): Promise<void>;
  /** Cheap round trip for /readyz. */
  ping(): Promise<void>;

  // Tenants and keys
  createTenant(tenant: Tenant): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  createApiKey(key: ApiKey): Promise<void>;
  /** Only keys that are not revoked. */
  findApiKeyByHash(hash: string): Promise<ApiKey | null>;
  listApiKeys(tenantId: string): Promise<ApiKey[]>;
  /** True when the key exists; revoking twice keeps the first revocation time. */
  revokeApiKey(tenantId: string, id: string, now: number): Promise<boolean>;

  // Hooks
  createHook(hook: Hook): Promise<void>;
  getHook(tenantId: string, id: string): Promise<Hook | null>;
  /** Newest first; `after` is the last id of the previous page. */
  listHooks(tenantId: string, opts: { limit: number; after?: string }): Promise<Hook[]>;
  /** Enabled hooks of a tenant, for fan-out, oldest first. */
  listEnabledHooks(tenantId: string): Promise<Hook[]>;
  updateHook(tenantId: string, id: string, patch: HookPatch, now: number): Promise<Hook | null>;
  /**
   * Deletes the hook. Its pending deliveries become `failed` with lastError "hook deleted";
   * history stays readable through the delivery and event endpoints.
   */
  deleteHook(tenantId: string, id: string, now: number): Promise<boolean>;

  // Events and fan-out
  /**
   * Inserts events with their deliveries, all in one transaction. An event whose eventId or
   * idempotencyKey already exists for its tenant inserts nothing and reports the existing
   * event and its deliveries instead (`created: false`).
   */
  insertEvents(batch: NewEventWithDeliveries[]): Promise<InsertEventResult[]>;
  /** By internal id (`evt_…`) or by eventID. */
  getEvent(tenantId: string, idOrEventId: string): Promise<StoredEvent | null>;
  listEvents(
    tenantId: string,
    opts: { limit: number; after?: string; type?: string },
  ): Promise<StoredEvent[]>;

  // Deliveries
  getDelivery(tenantId: string, id: string): Promise<Delivery | null>;
  /** Newest first; `eventId` is the internal `evt_…` id; `after` is the last id of the previous page. */
  listDeliveries(
    tenantId: string,
    opts: { hookId?: string; eventId?: string; status?: DeliveryStatus; limit: number; after?: string },
  ): Promise<Delivery[]>;
  /** Oldest first: the order the attempts were made (attempt ids are time-sortable). */
  listAttempts(tenantId: string, deliveryId: string): Promise<Attempt[]>;
  /** Back to pending, due now, with a fresh retry schedule. Null when not found. */
  requeueDelivery(tenantId: string, id: string, now: number): Promise<Delivery | null>;
  /** Re-queues the hook's failed deliveries created at or after `since`. Returns how many. */
  recoverFailed(tenantId: string, hookId: string, since: number, now: number): Promise<number>;

  // The queue
  /**
   * Leases up to `limit` pending deliveries that are due (nextAttemptAt <= now) and not under
   * a live lease (see registerWorker for what "live" means), oldest due first. Safe under
   * concurrent workers (SKIP LOCKED on Postgres).
   * Deliveries of disabled or deleted hooks are not claimed.
   */
  claimDue(opts: {
    now: number;
    limit: number;
    leaseMs: number;
    owner: string;
    /** Tenants whose due work is left alone this time (a worker's share of them is full). */
    excludeTenants?: readonly string[];
    /** Likewise for hooks (a worker holds as much of the hook's work as it may). */
    excludeHooks?: readonly string[];
    /**
     * Only rows after this place in the queue's order (next attempt time, then id): the caller
     * knows the rows before it are leased already (its claim cursor, delivery/claim-cursor.ts),
     * so the claim does not walk them again. Omitted: from the head of the queue.
     */
    after?: QueuePlace | null;
  }): Promise<ClaimedDelivery[]>;
  /**
   * Owner liveness. A worker owner registers once, heartbeats (say every few seconds, well
   * within the store's `deadAfterMs`, default 15 s) and unregisters on a graceful stop.
   * claimDue and builds.claimRuns take a lease whose registered owner's heartbeat is older than
   * `deadAfterMs` even before `lease_until`, and never take one from a registered owner whose
   * heartbeat is fresh (a slow living worker is not robbed). Leases of owners that never
   * registered are judged by `lease_until` alone. Both calls upsert (`now` is unix ms).
   */
  registerWorker(owner: string, now: number): Promise<void>;
  heartbeatWorker(owner: string, now: number): Promise<void>;
  /** Forgets the owner; call after releaseLeases on a graceful stop. */
  unregisterWorker(owner: string): Promise<void>;
  /**
   * Records a batch of finished attempts in one transaction: inserts each attempt, moves its
   * delivery to the outcome, clears the lease and updates the hook's health
   * (success clears failingSince and sets lastSuccessAt; failure sets failingSince if unset).
   * A result whose delivery is no longer leased by `owner` still records its attempt (and the
   * hook's health) but leaves the delivery as it is: it was requeued, failed by deleteHook, or
   * re-claimed after the lease expired. Health is applied in the order attempts started.
   */
  recordAttempts(owner: string, results: AttemptResult[]): Promise<void>;
  /**
   * Pushes this owner's leases on still-pending deliveries out to `leaseUntil` (a heartbeat
   * for work that waits in a worker longer than a lease). Returns how many were extended;
   * a delivery another worker has taken over is not touched.
   */
  extendLeases(owner: string, ids: string[], leaseUntil: number): Promise<number>;
  /** Drops this owner's leases (graceful shutdown) so another worker can claim at once. */
  releaseLeases(owner: string, ids?: string[]): Promise<void>;
  /**
   * One rate-limit admission of up to `n` sends of a hook (GCRA, domain/rate-limit.ts `take`),
   * atomic across workers: how many may go now (unix µs), and the hook's next free slot.
   */
  takeRateSlots(
    hookId: string,
    nowUs: number,
    intervalUs: number,
    n: number,
  ): Promise<{ granted: number; nextAtUs: number }>;
  /** A FIFO hook's queues that hold pending work, each with its head (what the others wait on). */
  fifoQueues(tenantId: string, hookId: string): Promise<FifoQueue[]>;
  /** Enabled hooks whose failingSince is at or before `failingBefore`: disabled and returned. */
  disableFailingHooks(failingBefore: number, reason: string, now: number): Promise<Hook[]>;
  /**
   * Fails pending deliveries whose hook no longer exists (a hook deleted while an event that
   * matched it was being committed). Returns how many.
   */
  failOrphanedDeliveries(now: number): Promise<number>;
  /**
   * `pending`: every pending delivery. `due` and `oldestDueAt`: those claimDue could take at
   * `now` (due, no live lease, hook enabled or none).
   */
  queueStats(now: number): Promise<{ pending: number; due: number; oldestDueAt: number | null }>;
  /**
   * Retention: deletes attempts older than `before`, and events older than `before` whose
   * deliveries are all finished (with those deliveries). Returns counts.
   */
  purge(before: number): Promise<{ events: number; deliveries: number; attempts: number }>;
  /**
   * Postgres: calls `onWake` when another process inserts due deliveries (LISTEN/NOTIFY).
   * SQLite: a no-op (one process owns the file). Returns an unsubscribe function.
   */
  subscribeWake(onWake: () => void): Promise<() => Promise<void>>;
  /**
   * Postgres: calls `onChange(tenantId, hookId)` when any process commits a change to a hook
   * (updateHook, deleteHook, disableFailingHooks NOTIFY `herald_hook_changed` in their
   * transaction), and `onChange(null, null)` after the LISTEN connection was re-established
   * (changes may have been missed). Resolves once listening. SQLite: a no-op (one process
   * owns the file; the in-process engine signal covers it). Returns an unsubscribe function.
   */
  subscribeHookChanges(
    onChange: (tenantId: string | null, hookId: string | null) => void,
  ): Promise<() => Promise<void>>;
}

export interface NewEventWithDeliveries {
  event: StoredEvent;
  deliveries: Delivery[];
}

export interface InsertEventResult {
  created: boolean;
  event: StoredEvent;
  deliveries: Delivery[];
}

export interface AttemptResult {
  attempt: Attempt;
  outcome: 'delivered' | 'retry' | 'failed';
  /** For `retry`: when to try again. */
  nextAttemptAt: number | null;
  /** For `retry`: the schedule position after this attempt. */
  schedulePos: number;
  /** The hook whose health this attempt reports on, if any. */
  hookId: string | null;
}
