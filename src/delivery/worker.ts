import type { ClaimedDelivery } from '../domain/types.ts';
import type { LocalSink } from '../ingest/publish.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { AttemptResult, Store } from '../store/store.ts';
import { nextRetry } from '../domain/retry.ts';
import { ordered } from '../domain/hook-options.ts';
import { Breaker, type AttemptKind, type BreakerOptions } from './breaker.ts';
import { HeldWork } from './held.ts';
import { FairScheduler, type Picked } from './scheduler.ts';
import { RateGate } from './rate-gate.ts';
import { ResultWriter } from './results.ts';
import type { Outgoing, Sender } from './sender.ts';
import type { Tracing } from '../telemetry/tracing.ts';
import type { SendOutcome } from './send.ts';

export interface WorkerOptions {
  store: Store;
  sender: Sender;
  log: Logger;
  metrics: Metrics;
  owner: string;
  retrySchedule: number[];
  retryAfterMaxMs: number;
  hookMaxInFlight: number;
  /** Deliveries in flight at once. The worker holds at most 4× this many. */
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** The sender's per-attempt deadline: bounds stop() and a breaker probe. */
  deliveryTimeoutMs: number;
  /** Slots one tenant may occupy; default ¾ of batchSize, so others always find room. */
  tenantMaxInFlight?: number;
  /** How long stop() waits for requests in flight; default deliveryTimeoutMs + 2 s. */
  stopTimeoutMs?: number;
  breaker?: Partial<Omit<BreakerOptions, 'max'>>;
  /**
   * Payload bytes the worker holds at most (each event once, see held.ts); default 64 MiB.
   * One event always gets through when nothing is held, whatever its size.
   */
  maxHeldBytes?: number;
  /** Owner liveness heartbeat period (Store.heartbeatWorker); default 5 s. */
  livenessIntervalMs?: number;
  /** Attempt spans and the receiver's `traceparent`, when tracing is on. */
  tracing?: Tracing | null;
}

/** A tenant over its share of held work: its extra deliveries wait this long in the database. */
const OVER_SHARE_DEFER_MS = 5000;
/** A release the database refused is tried again this often (see releaseSoon). */
const RELEASE_RETRY_MS = 1000;
/** accept() does not know when the publisher loaded its batch: changes this recent are suspect. */
const ACCEPT_CHANGE_WINDOW_MS = 5000;
export const DEFAULT_MAX_HELD_BYTES = 64 * 1024 * 1024;
const DEFAULT_BREAKER = { openAfter: 10, baseBackoffMs: 2000, maxBackoffMs: 60_000 };

interface Held {
  c: ClaimedDelivery;
  startedAt: number;
}

/**
 * The delivery stage: claim → schedule → send → record → reschedule. Deliveries arrive either
 * from the in-process publisher (already leased to this worker) or from claimDue. A fair
 * scheduler (scheduler.ts) picks what goes out; a breaker per hook (breaker.ts) lowers the
 * concurrency of receivers that do not answer and parks their work in the database. Results
 * are written in batches; a crash before a batch commits leaves the leases to a successor,
 * so the work is retried (at least once).
 */
export class Worker implements LocalSink {
  readonly owner: string;
  private readonly o: WorkerOptions;
  private readonly scheduler: FairScheduler<Held>;
  private readonly breakers = new Map<string, Breaker>();
  private readonly breakerOptions: BreakerOptions;
  /** Hook id → when hookChanged last saw it, to catch a claim that read the old row. */
  private readonly changedAt = new Map<string, number>();
  private allChangedAt = -Infinity;
  /** Every delivery this worker holds (waiting or in flight): lease heartbeats, held bytes. */
  private readonly heldWork = new HeldWork();
  /**
   * Tenant → deliveries parked because the tenant was over its share of held work. They come
   * back as soon as the tenant is down to half its share (see unparkShare), not a defer later.
   */
  private readonly overShare = new Map<string, Set<string>>();
  /** Payload bytes per claimed delivery in the last claim: sizes the next claim under the byte cap. */
  private bytesPerClaimed = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private livenessTimer: NodeJS.Timeout | null = null;
  /**
   * Whether the database may hold due work this worker has not claimed: the last claim was
   * full, or something woke us since. Finished work makes room, but only claims again when
   * this is true, so an idle queue costs no queries.
   */
  private mayHaveDue = true;
  private readonly writer: ResultWriter;
  private rateGate: RateGate;
  private running = false;
  /** stop() gave up on requests in flight and released them: their results are not ours. */
  private abandoned = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private timer: NodeJS.Timeout | null = null;
  private nextDueTimer: { at: number; handle: NodeJS.Timeout } | null = null;
  private unsubscribers: Array<() => Promise<void>> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(o: WorkerOptions) {
    this.o = o;
    this.owner = o.owner;
    this.breakerOptions = { ...DEFAULT_BREAKER, ...o.breaker, max: o.hookMaxInFlight };
    const tenantCap = o.tenantMaxInFlight ?? Math.max(1, o.batchSize - Math.floor(o.batchSize / 4));
    this.scheduler = new FairScheduler({
      globalCap: o.batchSize,
      tenantCap,
      // A sender that queues (the thread) takes `depth` times a healthy key's cap; a key its
      // breaker has lowered gets no more than the breaker allows, queued or not.
      keyCap: (key) => {
        const cap = this.capOf(key);
        return cap < o.hookMaxInFlight ? cap : cap * o.sender.depth;
      },
    });
    this.rateGate = new RateGate(o.store);
    this.writer = new ResultWriter({
      store: o.store,
      owner: o.owner,
      log: o.log,
      onDrained: () => this.notifyIdle(),
    });
  }

  /** Requests in flight at once for a key: the hook's limit, lowered by its breaker. */
  private capOf(key: string): number {
    return Math.min(this.o.hookMaxInFlight, this.breakers.get(key)?.cap(Date.now()) ?? Infinity);
  }

  get maxHeld(): number {
    return this.o.batchSize * 4;
  }

  /** One tenant holds at most ¾ of maxHeld, so claims still reach other tenants' due work. */
  private get tenantMaxHeld(): number {
    return Math.max(1, this.maxHeld - Math.floor(this.maxHeld / 4));
  }

  /**
   * A hook alone in its tenant may hold the tenant's whole share; beside others, at most half of
   * it, so a slow hook's backlog cannot fill the share and shut its tenant's other hooks out
   * (still far more than a hook may have in flight).
   */
  private hookMaxHeld(key: string, tenant?: string, withOthers = false): number {
    if (!withOthers && !this.scheduler.othersHolding(key, tenant)) return this.tenantMaxHeld;
    return Math.max(this.o.hookMaxInFlight, Math.floor(this.tenantMaxHeld / 2));
  }

  /** Deliveries held: waiting for a slot or in flight. */
  get held(): number {
    return this.heldWork.size;
  }

  /** Payload bytes held, each event counted once (bounded by maxHeldBytes). */
  get heldBytes(): number {
    return this.heldWork.bytes;
  }

  get maxHeldBytes(): number {
    return this.o.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
  }

  /** The breaker state of a hook (or reporter origin), for tests and diagnostics. */
  circuit(key: string): 'closed' | 'open' | 'probing' {
    return this.breakers.get(key)?.state ?? 'closed';
  }

  get inFlight(): number {
    return this.scheduler.inFlight;
  }

  /**
   * A handover over the byte cap is refused: the deliveries are committed unleased and come
   * back through claimDue, which lets at least one event through when nothing is held.
   */
  hasRoom(n: number, bytes = 0, tenantId?: string, perHook?: ReadonlyMap<string, number>): boolean {
    if (!this.running || this.held + n > this.maxHeld || this.heldBytes + bytes > this.maxHeldBytes)
      return false;
    // Past its share a tenant's (or a hook's) new work waits in the database: taking it only to
    // give it back would cost writes.
    if (tenantId !== undefined && this.scheduler.heldBy(tenantId) + n > this.tenantMaxHeld) return false;
    const several = (perHook?.size ?? 0) > 1;
    for (const [hook, count] of perHook ?? [])
      if (this.scheduler.heldByKey(hook) + count > this.hookMaxHeld(hook, tenantId, several)) return false;
    return true;
  }

  accept(claimed: ClaimedDelivery[]): boolean {
    if (!this.running) return false;
    this.enqueue(claimed, Date.now() - ACCEPT_CHANGE_WINDOW_MS);
    return true;
  }

  /** Something may have become due (an unleased insert, a requeue, a notify, a retry timer). */
  wake(): void {
    this.mayHaveDue = true;
    this.wakeLoop();
  }

  /**
   * A hook's settings changed (disabled, deleted, new URL, credentials or secret), and the
   * change is committed. Held deliveries of the hook that have not started are dropped and
   * their leases released: the next claim reads the hook row as it is now (a disabled hook's
   * work is not claimed, a deleted hook's was failed by deleteHook). Requests in flight finish
   * and record.
   */
  hookChanged(_tenantId: string, hookId: string): void {
    const now = Date.now();
    this.changedAt.set(hookId, now);
    for (const [id, at] of this.changedAt) if (at < now - 60_000) this.changedAt.delete(id);
    this.breakers.delete(hookId);
    this.o.sender.cancelQueued(hookId);
    const dropped = this.scheduler.remove(hookId);
    if (dropped.length === 0) return;
    this.release(dropped.map((h) => h.c));
  }

  /** Any hook may have changed (missed notifications): drop and release everything held. */
  allHooksChanged(): void {
    this.allChangedAt = Date.now();
    this.breakers.clear();
    this.o.sender.cancelQueued(null);
    const dropped = this.scheduler.removeAll();
    if (dropped.length > 0) this.release(dropped.map((h) => h.c));
  }

  private wakeLoop(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  async start(): Promise<void> {
    this.running = true;
    this.rateGate = new RateGate(this.o.store);
    this.abandoned = false;
    // Owner liveness: claimDue takes over a dead owner's leases within the store's deadAfterMs,
    // while a slow but living one keeps them.
    await this.o.store.registerWorker(this.owner, Date.now());
    this.unsubscribers.push(await this.o.store.subscribeWake(() => this.wake()));
    // Changes committed by other processes (PostgreSQL); null: any hook may have changed.
    this.unsubscribers.push(
      await this.o.store.subscribeHookChanges((t, h) =>
        h === null ? this.allHooksChanged() : this.hookChanged(t ?? '', h),
      ),
    );
    this.heartbeat = setInterval(
      () => void this.extendLeases(),
      Math.max(250, Math.floor(this.o.leaseMs / 3)),
    );
    this.heartbeat.unref();
    this.livenessTimer = setInterval(() => {
      this.o.store.heartbeatWorker(this.owner, Date.now()).catch((err: unknown) => {
        this.o.log.error({ err }, 'worker heartbeat failed; will retry');
      });
    }, this.o.livenessIntervalMs ?? 5000);
    this.livenessTimer.unref();
    this.loopPromise = this.loop();
  }

  /** Work can wait here longer than a lease (a slow hook's queue): keep its leases alive. */
  private async extendLeases(): Promise<void> {
    // Sent deliveries whose result is not committed yet keep their leases too: lapsed, this
    // worker's next claim would take them back and send them again.
    const ids = [...this.heldWork.ids(), ...this.writer.pending()];
    if (ids.length === 0) return;
    try {
      await this.o.store.extendLeases(this.owner, ids, Date.now() + this.o.leaseMs);
    } catch (err) {
      this.o.log.error({ err }, 'extending leases failed; will retry');
    }
  }

  /**
   * Graceful stop: claims nothing more, gives back what has not started, lets in-flight
   * requests finish and records their results, but waits at most stopTimeoutMs: then it
   * releases the leases of what is still in flight (it will be sent again) and returns.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const deadline = Date.now() + (this.o.stopTimeoutMs ?? this.o.deliveryTimeoutMs + 2000);
    this.wake();
    if (this.timer) clearTimeout(this.timer);
    if (this.nextDueTimer) clearTimeout(this.nextDueTimer.handle);
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.rateGate.close();
    const unsubscribers = this.unsubscribers;
    this.unsubscribers = [];
    await within(Promise.all(unsubscribers.map((u) => u())), deadline);
    await within(this.loopPromise, deadline);
    // Jobs the sender queued come back unstarted (deliver releases them with the rest).
    this.o.sender.cancelQueued(null);
    const unstarted = this.scheduler.removeAll().map((h) => h.c);
    for (const c of unstarted) this.heldWork.delete(c);
    const parked = [...this.overShare.values()].flatMap((set) => [...set]);
    this.overShare.clear();
    await within(this.releaseNow([...unstarted.map((c) => c.delivery.id), ...parked]), deadline);
    const finished = await within(
      this.idle().then(() => this.writer.flush()),
      deadline,
    );
    if (!finished) {
      this.abandoned = true;
      this.writer.drop();
      const ids = this.heldWork.clear();
      this.o.log.warn({ inFlight: ids.length }, 'stop: requests still in flight; releasing their leases');
      await within(this.releaseNow(ids), Date.now() + 2000);
    }
    await within(
      this.o.store.unregisterWorker(this.owner).catch((err: unknown) => {
        this.o.log.error({ err }, 'unregistering the worker failed');
      }),
      Date.now() + 2000,
    );
  }

  /** Resolves when nothing is in flight and every result is written. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && !this.writer.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.wakePending = false;
      const limit = Math.min(this.maxHeld - this.held, this.o.batchSize, this.claimLimitByBytes());
      let full = false;
      if (limit > 0) {
        try {
          const claimStartedAt = Date.now();
          const excluded = this.tenantsWithoutRoom(limit);
          const excludedHooks = this.hooksWithoutRoom(limit);
          const batch = await this.o.store.claimDue({
            now: claimStartedAt,
            limit,
            leaseMs: this.o.leaseMs,
            owner: this.owner,
            excludeTenants: excluded,
            excludeHooks: excludedHooks,
          });
          full = batch.length === limit;
          // Work of the tenants left out is still due: claim again once they have room.
          this.mayHaveDue = full || excluded.length > 0 || excludedHooks.length > 0;
          // Over the byte cap, the rest went back: claim again only once bytes are freed.
          if (batch.length > 0 && this.enqueue(batch, claimStartedAt) > 0) full = false;
        } catch (err) {
          this.o.log.error({ err }, 'claiming deliveries failed; will retry');
        }
      }
      // A full claim may have parked part of itself (a tenant over its share): claim on.
      if (full && this.held < this.maxHeld && this.heldBytes < this.maxHeldBytes) continue;
      if (!this.running || this.wakePending) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, this.o.pollIntervalMs);
      });
      this.wakeUp = null;
      if (this.timer) clearTimeout(this.timer);
    }
  }

  /**
   * How many rows to claim so their payloads likely fit under the byte cap, judged by the last
   * claim; enqueue holds the cap exactly. Nothing held: a full batch (at least one event fits).
   */
  private claimLimitByBytes(): number {
    if (this.heldBytes === 0 || this.bytesPerClaimed === 0) return Infinity;
    return Math.floor((this.maxHeldBytes - this.heldBytes) / this.bytesPerClaimed);
  }

  /**
   * Tenants a claim of `limit` rows could take past their share: their due work is left in the
   * database this time, so a single tenant's burst is not claimed only to be parked again, and
   * the claim reaches other tenants' work.
   */
  private tenantsWithoutRoom(limit: number): string[] {
    const full: string[] = [];
    for (const [tenant, held] of this.scheduler.holding())
      if (held + limit > this.tenantMaxHeld) full.push(tenant);
    return full;
  }

  /** Hooks a claim of `limit` rows could take past their share (see hookMaxHeld). */
  private hooksWithoutRoom(limit: number): string[] {
    const full: string[] = [];
    for (const [key, held] of this.scheduler.holdingByKey())
      if (key.startsWith('hook_') && held + limit > this.hookMaxHeld(key)) full.push(key);
    return full;
  }

  /**
   * Whether finishing work of `tenant`/`key` made room for a claim that will not leave them out
   * (waking the loop for a claim that excludes them would only query in vain).
   */
  private roomToClaim(tenant: string, key: string): boolean {
    if (this.held < this.o.batchSize) return true;
    const limit = Math.min(this.maxHeld - this.held, this.o.batchSize);
    return (
      limit > 0 &&
      this.scheduler.heldBy(tenant) + limit <= this.tenantMaxHeld &&
      this.scheduler.heldByKey(key) + limit <= this.hookMaxHeld(key)
    );
  }

  private parkedOverShare(c: ClaimedDelivery): void {
    const set = this.overShare.get(c.delivery.tenantId);
    if (set) set.add(c.delivery.id);
    else this.overShare.set(c.delivery.tenantId, new Set([c.delivery.id]));
  }

  /**
   * A tenant down to half its share gets its over-share deliveries back at once: their leases
   * are released so the next claim takes them. (A single busy tenant would otherwise idle for
   * the whole defer whenever it outran its share.)
   */
  private unparkShare(tenant: string): void {
    const set = this.overShare.get(tenant);
    if (!set || !this.running || this.scheduler.heldBy(tenant) > this.tenantMaxHeld / 2) return;
    this.overShare.delete(tenant);
    if (set.size === 0) return;
    this.releaseSoon([...set]);
  }

  private overByteCap(c: ClaimedDelivery): boolean {
    const cost = this.heldWork.costOf(c);
    return cost > 0 && this.heldBytes > 0 && this.heldBytes + cost > this.maxHeldBytes;
  }

  private keyOf(c: ClaimedDelivery): string {
    if (c.delivery.hookId) return c.delivery.hookId;
    const url = c.delivery.target?.url;
    return (url && URL.parse(url)?.origin) ?? url ?? c.delivery.id;
  }

  /**
   * Takes claimed deliveries in. `readAfter`: when the rows were read at the latest; a hook
   * changed since may have been read with its old settings, so its deliveries go back.
   * Deliveries whose event would take the held bytes over the cap go back too (unless nothing
   * is held: one event always fits); returns how many.
   */
  private enqueue(batch: ClaimedDelivery[], readAfter: number): number {
    const now = Date.now();
    const stale: ClaimedDelivery[] = [];
    const overCap: ClaimedDelivery[] = [];
    const overHook: ClaimedDelivery[] = [];
    const uncommitted: string[] = [];
    const events = new Map<string, number>();
    for (const c of batch) events.set(c.delivery.eventRowId, c.payload.length);
    let bytes = 0;
    for (const b of events.values()) bytes += b;
    this.bytesPerClaimed = bytes / batch.length;
    const parked = new Map<number, ClaimedDelivery[]>();
    const park = (c: ClaimedDelivery, until: number): void => {
      const list = parked.get(until);
      if (list) list.push(c);
      else parked.set(until, [c]);
    };
    const probeWindow = this.o.deliveryTimeoutMs + 1000;
    for (const c of batch) {
      // Already held: its lease lapsed (e.g. a stalled event loop) and this worker re-claimed it.
      if (this.heldWork.has(c.delivery.id)) continue;
      // Sent, its result not committed yet: claimed again either because its lease lapsed before
      // the commit (sending it now would repeat it) or just after the commit (a due retry, or a
      // FIFO head). Which one is not known here: once the result is committed, the lease is given
      // back, and the next claim sees the row as it is.
      if (this.writer.isPending(c.delivery.id)) {
        uncommitted.push(c.delivery.id);
        continue;
      }
      this.overShare.get(c.delivery.tenantId)?.delete(c.delivery.id);
      const hookId = c.delivery.hookId;
      // A hook changed since these rows were read: they may carry its old URL or credentials.
      const changed = hookId === null ? -Infinity : (this.changedAt.get(hookId) ?? -Infinity);
      if (Math.max(changed, this.allChangedAt) >= readAfter) {
        stale.push(c);
        continue;
      }
      const key = this.keyOf(c);
      const until = this.breakers.get(key)?.parkUntil(now, probeWindow);
      if (until != null) park(c, until);
      else if (this.scheduler.heldBy(c.delivery.tenantId) >= this.tenantMaxHeld) {
        park(c, now + OVER_SHARE_DEFER_MS);
        this.parkedOverShare(c);
      } else if (
        hookId !== null &&
        this.scheduler.heldByKey(key) >= this.hookMaxHeld(key, c.delivery.tenantId)
      ) {
        // The hook is full: back to the database, where claims leave it alone until it has room.
        overHook.push(c);
      } else if (this.overByteCap(c)) overCap.push(c);
      else {
        this.heldWork.add(c);
        this.scheduler.add(c.delivery.tenantId, key, { c, startedAt: 0 });
      }
    }
    if (stale.length > 0) this.release(stale);
    if (uncommitted.length > 0) void this.writer.flush().then(() => this.releaseSoon(uncommitted));
    if (overCap.length > 0) this.releaseOverCap(overCap);
    if (overHook.length > 0) {
      this.mayHaveDue = true;
      this.releaseSoon(overHook.map((c) => c.delivery.id));
    }
    for (const [until, list] of parked) this.park(list, until);
    this.pump();
    return overCap.length;
  }

  /** Leases given back in this tick, released in one write (see releaseTogether). */
  private toRelease: string[] = [];

  /** Releases `id` with the others given back in the same tick. */
  private releaseTogether(id: string): void {
    this.toRelease.push(id);
    if (this.toRelease.length > 1) return;
    queueMicrotask(() => {
      const ids = this.toRelease;
      this.toRelease = [];
      this.releaseSoon(ids);
    });
  }

  /** Gives leases back so the deliveries are claimed again at once (with current hook settings). */
  private release(items: ClaimedDelivery[]): void {
    for (const c of items) this.heldWork.delete(c);
    this.releaseSoon(items.map((c) => c.delivery.id));
  }

  /**
   * Releases in the background, then wakes the loop. A failed release (the database away) is
   * tried again every second while the worker runs: a living owner's leases never lapse by
   * themselves (its heartbeat is fresh), so without this the rows would wait a whole lease.
   */
  private releaseSoon(ids: string[], then: () => void = () => this.wake()): void {
    void this.releaseNow(ids).then((ok) => {
      if (ok) then();
      else if (this.running) setTimeout(() => this.releaseSoon(ids, then), RELEASE_RETRY_MS).unref();
    });
  }

  /**
   * Gives back what did not fit under the byte cap. A finished delivery frees bytes and claims
   * again (see deliver); the release wakes the loop itself only if the smallest one now fits,
   * so a claim does not spin on rows that cannot be taken.
   */
  private releaseOverCap(items: ClaimedDelivery[]): void {
    this.mayHaveDue = true;
    const smallest = Math.min(...items.map((c) => c.payload.length));
    this.releaseSoon(
      items.map((c) => c.delivery.id),
      () => {
        if (this.heldBytes === 0 || this.heldBytes + smallest <= this.maxHeldBytes) this.wake();
      },
    );
  }

  /** True when the leases were released (or there were none). */
  private async releaseNow(ids: string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    try {
      await this.o.store.releaseLeases(this.owner, ids);
      return true;
    } catch (err) {
      this.o.log.error({ err, count: ids.length }, 'releasing leases failed');
      return false;
    }
  }

  /**
   * Lets deliveries wait in the database until `until`, without an attempt: their lease is
   * moved to `until` and the worker forgets them, so no one claims them before then.
   * (A store method that sets nextAttemptAt and clears the lease would say the same more
   * plainly; this is the one place to switch to it.)
   */
  private park(items: ClaimedDelivery[], until: number): void {
    for (const c of items) this.heldWork.delete(c);
    const ids = items.map((c) => c.delivery.id);
    this.o.store.extendLeases(this.owner, ids, until).catch((err: unknown) => {
      // Their leases would otherwise hold for a whole lease (this owner is alive): give them back.
      this.o.log.error({ err, count: ids.length }, 'parking deliveries failed; releasing them');
      this.releaseSoon(ids);
    });
    // A little after `until`, so the claim sees the lease as expired.
    this.scheduleWakeAt(until + 50);
  }

  /** Starts as many held deliveries as the scheduler allows. */
  private pump(): void {
    if (!this.running) return;
    for (let p = this.scheduler.next(); p; p = this.scheduler.next()) {
      p.item.startedAt = Date.now();
      // The key's concurrency as the scheduler saw it: a breaker's probe reads 0 once started,
      // and a sender told 0 would hold the probe for ever. The scheduler let it start: ≥ 1.
      const cap = Math.max(1, this.capOf(p.key));
      this.breakers.get(p.key)?.started(p.item.startedAt);
      void this.deliver(p, cap);
    }
  }

  private async deliver(p: Picked<Held>, cap: number): Promise<void> {
    const { c } = p.item;
    // A rate-limited hook's delivery waits for its send slot; without one it goes back unsent.
    const admitted = c.hook?.rateLimit ? await this.rateGate.admit(c.hook.id, c.hook.rateLimit) : true;
    if (admitted && c.hook?.rateLimit) p.item.startedAt = Date.now();
    const startedAt = p.item.startedAt;
    const trace = admitted ? (this.o.tracing?.attemptStarted(c) ?? null) : null;
    const sent: Outgoing = trace === null ? c : { ...c, traceparent: trace.traceparent };
    const outcome = admitted ? await this.o.sender.submit(sent, p.key, cap) : null;
    this.scheduler.finished(p.tenant, p.key);
    if (this.abandoned) return;
    if (outcome === null) {
      // Given back unstarted (a hook change, a breaker, stop): claimed again as it is now.
      this.heldWork.delete(c);
      this.releaseTogether(c.delivery.id);
      this.pump();
      this.notifyIdle();
      return;
    }
    this.heldWork.delete(c);
    this.unparkShare(c.delivery.tenantId);
    const result = this.resultOf(c, outcome);
    this.writer.push(result);
    if (trace !== null) {
      const a = outcome.attempt;
      this.o.tracing!.attemptEnded(trace, c, {
        outcome: result.outcome,
        startedAt: a.startedAt,
        durationMs: a.durationMs,
        status: a.responseStatus,
        error: a.error,
        attemptNo: a.attemptNo,
      });
    }
    // The next of a FIFO queue is claimable once this result is committed: write it now.
    if (ordered(c.delivery)) void this.writer.flush().then(() => this.wake());
    this.onBreaker(p.key, kindOf(outcome), startedAt);
    this.pump();
    if (
      this.running &&
      this.mayHaveDue &&
      this.heldBytes < this.maxHeldBytes &&
      this.roomToClaim(c.delivery.tenantId, p.key)
    )
      this.wakeLoop();
  }

  private resultOf(c: ClaimedDelivery, { attempt, ok, retryAfterMs }: SendOutcome): AttemptResult {
    const hookId = c.delivery.hookId;
    let result: AttemptResult;
    if (ok) {
      result = {
        attempt,
        outcome: 'delivered',
        nextAttemptAt: null,
        schedulePos: c.delivery.schedulePos,
        hookId,
      };
    } else {
      const next = nextRetry({
        schedule: this.o.retrySchedule,
        schedulePos: c.delivery.schedulePos,
        retryAfterMs,
        retryAfterMaxMs: this.o.retryAfterMaxMs,
        now: Date.now(),
      });
      result = next
        ? {
            attempt,
            outcome: 'retry',
            nextAttemptAt: next.nextAttemptAt,
            schedulePos: next.schedulePos,
            hookId,
          }
        : { attempt, outcome: 'failed', nextAttemptAt: null, schedulePos: c.delivery.schedulePos, hookId };
      if (next) this.scheduleWakeAt(next.nextAttemptAt);
    }
    this.o.metrics.deliveries.inc({ outcome: result.outcome });
    this.o.metrics.attemptSeconds.observe({ outcome: result.outcome }, attempt.durationMs / 1000);
    return result;
  }

  private onBreaker(key: string, kind: AttemptKind, startedAt: number): void {
    // A receiver that did not answer: what the sender queued for it waits for the breaker's
    // verdict in the database, not in a queue that would send it regardless.
    if (kind === 'unreachable') this.o.sender.cancelQueued(key);
    let breaker = this.breakers.get(key);
    if (!breaker) {
      if (kind === 'answered') return;
      breaker = new Breaker(this.breakerOptions);
      this.breakers.set(key, breaker);
    }
    const now = Date.now();
    if (breaker.finished(kind, startedAt, now)) {
      this.o.log.warn({ key, until: breaker.openUntil }, 'circuit open: receiver does not answer');
      const held = this.scheduler.remove(key).map((h) => h.c);
      if (held.length > 0) this.park(held, breaker.openUntil);
      else this.scheduleWakeAt(breaker.openUntil);
    } else if (breaker.pristine) this.breakers.delete(key);
  }

  /** A retry due sooner than the next poll wakes the loop on time. */
  private scheduleWakeAt(at: number): void {
    if (!this.running) return;
    if (this.nextDueTimer && this.nextDueTimer.at <= at) return;
    if (this.nextDueTimer) clearTimeout(this.nextDueTimer.handle);
    const handle = setTimeout(
      () => {
        this.nextDueTimer = null;
        this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    handle.unref();
    this.nextDueTimer = { at, handle };
  }

  private notifyIdle(): void {
    if (this.inFlight !== 0 || this.writer.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Timeouts and refused or reset connections: the receiver is not there. Any HTTP status
 * means it is; so does a request Herald could not build (the receiver was never asked).
 */
export function kindOf(outcome: SendOutcome): AttemptKind {
  const { responseStatus, error } = outcome.attempt;
  if (responseStatus !== null || error === null) return 'answered';
  return error.startsWith('cannot build the request') ? 'answered' : 'unreachable';
}

/** Waits for `p` until `deadline`; true when it settled in time. */
async function within(p: Promise<unknown> | null, deadline: number): Promise<boolean> {
  if (!p) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
