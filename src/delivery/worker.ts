import type { ClaimedDelivery } from '../domain/types.ts';
import type { LocalSink } from '../ingest/publish.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { AttemptResult, Store } from '../store/store.ts';
import { nextRetry } from '../domain/retry.ts';
import type { Sender } from './sender.ts';

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
}

const FLUSH_AT = 512;
const FLUSH_DELAY_MS = 50;

/**
 * The delivery stage: claim → send → record → reschedule. Deliveries arrive either from the
 * in-process publisher (already leased to this worker) or from claimDue. Results are written
 * in batches; a crash before a batch commits leaves the leases to expire, so the work is
 * retried (at least once).
 */
export class Worker implements LocalSink {
  readonly owner: string;
  private readonly o: WorkerOptions;
  /** Claimed deliveries waiting for a slot, by hook (or target URL). */
  private readonly waiting = new Map<string, ClaimedDelivery[]>();
  private readonly inFlightByKey = new Map<string, number>();
  /** Ids of every delivery this worker holds (waiting or in flight), for lease heartbeats. */
  private readonly heldIds = new Set<string>();
  private heartbeat: NodeJS.Timeout | null = null;
  /**
   * Whether the database may hold due work this worker has not claimed: the last claim was
   * full, or something woke us since. Finished work makes room, but only claims again when
   * this is true, so an idle queue costs no queries.
   */
  private mayHaveDue = true;
  private inFlight = 0;
  private results: AttemptResult[] = [];
  private flushing: Promise<void> | null = null;
  private flushScheduled = false;
  private running = false;
  private loopPromise: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private timer: NodeJS.Timeout | null = null;
  private nextDueTimer: { at: number; handle: NodeJS.Timeout } | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(o: WorkerOptions) {
    this.o = o;
    this.owner = o.owner;
  }

  get maxHeld(): number {
    return this.o.batchSize * 4;
  }

  private get held(): number {
    return this.heldIds.size;
  }

  hasRoom(n: number): boolean {
    return this.running && this.held + n <= this.maxHeld;
  }

  accept(claimed: ClaimedDelivery[]): boolean {
    if (!this.running) return false;
    this.enqueue(claimed);
    return true;
  }

  /** Something may have become due (an unleased insert, a requeue, a notify, a retry timer). */
  wake(): void {
    this.mayHaveDue = true;
    this.wakeLoop();
  }

  /**
   * A hook's settings changed (disabled, deleted, new URL, credentials or secret).
   * TODO(issue 8): drop held work of this hook so nothing goes out under the old settings.
   */
  hookChanged(_tenantId: string, _hookId: string): void {}

  private wakeLoop(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = await this.o.store.subscribeWake(() => this.wake());
    this.heartbeat = setInterval(
      () => void this.extendLeases(),
      Math.max(250, Math.floor(this.o.leaseMs / 3)),
    );
    this.heartbeat.unref();
    this.loopPromise = this.loop();
  }

  /** Work can wait here longer than a lease (a slow hook's queue): keep its leases alive. */
  private async extendLeases(): Promise<void> {
    if (this.heldIds.size === 0) return;
    try {
      await this.o.store.extendLeases(this.owner, [...this.heldIds], Date.now() + this.o.leaseMs);
    } catch (err) {
      this.o.log.error({ err }, 'extending leases failed; will retry');
    }
  }

  /**
   * Graceful stop: claims nothing more, gives back what has not started, lets in-flight
   * requests finish (bounded by the delivery timeout) and records their results.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    if (this.timer) clearTimeout(this.timer);
    if (this.nextDueTimer) clearTimeout(this.nextDueTimer.handle);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.unsubscribe?.();
    await this.loopPromise;
    const unstarted = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const c of unstarted) this.heldIds.delete(c.delivery.id);
    if (unstarted.length > 0)
      await this.o.store.releaseLeases(
        this.owner,
        unstarted.map((c) => c.delivery.id),
      );
    await this.idle();
    await this.flush();
  }

  /** Resolves when nothing is in flight and every result is written. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.results.length === 0 && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.wakePending = false;
      const room = this.maxHeld - this.held;
      let claimed = 0;
      if (room > 0) {
        try {
          const batch = await this.o.store.claimDue({
            now: Date.now(),
            limit: Math.min(room, this.o.batchSize),
            leaseMs: this.o.leaseMs,
            owner: this.owner,
          });
          claimed = batch.length;
          this.mayHaveDue = claimed === Math.min(room, this.o.batchSize);
          if (claimed > 0) this.enqueue(batch);
        } catch (err) {
          this.o.log.error({ err }, 'claiming deliveries failed; will retry');
        }
      }
      if (claimed > 0 && claimed === Math.min(room, this.o.batchSize) && this.held < this.maxHeld) continue;
      if (!this.running || this.wakePending) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.timer = setTimeout(resolve, this.o.pollIntervalMs);
      });
      this.wakeUp = null;
      if (this.timer) clearTimeout(this.timer);
    }
  }

  private keyOf(c: ClaimedDelivery): string {
    return c.delivery.hookId ?? c.delivery.target?.url ?? c.delivery.id;
  }

  private enqueue(batch: ClaimedDelivery[]): void {
    for (const c of batch) {
      // Already held: its lease lapsed (e.g. a stalled event loop) and this worker re-claimed it.
      if (this.heldIds.has(c.delivery.id)) continue;
      this.heldIds.add(c.delivery.id);
      const key = this.keyOf(c);
      const list = this.waiting.get(key);
      if (list) list.push(c);
      else this.waiting.set(key, [c]);
    }
    this.pump();
  }

  /** Starts as many waiting deliveries as the global and per-hook caps allow. */
  private pump(): void {
    for (const [key, list] of this.waiting) {
      if (this.inFlight >= this.o.batchSize) return;
      let n = this.inFlightByKey.get(key) ?? 0;
      while (list.length > 0 && n < this.o.hookMaxInFlight && this.inFlight < this.o.batchSize) {
        const c = list.shift()!;
        n++;
        this.inFlight++;
        void this.deliver(key, c);
      }
      this.inFlightByKey.set(key, n);
      if (list.length === 0) this.waiting.delete(key);
    }
  }

  private async deliver(key: string, c: ClaimedDelivery): Promise<void> {
    const { attempt, ok, retryAfterMs } = await this.o.sender.send(c);
    const now = Date.now();
    let result: AttemptResult;
    if (ok) {
      result = {
        attempt,
        outcome: 'delivered',
        nextAttemptAt: null,
        schedulePos: c.delivery.schedulePos,
        hookId: c.delivery.hookId,
      };
    } else {
      const next = nextRetry({
        schedule: this.o.retrySchedule,
        schedulePos: c.delivery.schedulePos,
        retryAfterMs,
        retryAfterMaxMs: this.o.retryAfterMaxMs,
        now,
      });
      result = next
        ? {
            attempt,
            outcome: 'retry',
            nextAttemptAt: next.nextAttemptAt,
            schedulePos: next.schedulePos,
            hookId: c.delivery.hookId,
          }
        : {
            attempt,
            outcome: 'failed',
            nextAttemptAt: null,
            schedulePos: c.delivery.schedulePos,
            hookId: c.delivery.hookId,
          };
      if (next) this.scheduleWakeAt(next.nextAttemptAt);
    }
    this.o.metrics.deliveries.inc({ outcome: result.outcome });
    this.o.metrics.attemptSeconds.observe({ outcome: result.outcome }, attempt.durationMs / 1000);
    this.results.push(result);
    this.inFlight--;
    this.heldIds.delete(c.delivery.id);
    const n = (this.inFlightByKey.get(key) ?? 1) - 1;
    if (n === 0) this.inFlightByKey.delete(key);
    else this.inFlightByKey.set(key, n);
    this.pump();
    this.scheduleFlush();
    if (this.running && this.mayHaveDue && this.held < this.o.batchSize) this.wakeLoop();
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

  private scheduleFlush(): void {
    if (this.results.length >= FLUSH_AT) {
      void this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Results wait up to 50 ms so one transaction records many: a commit costs far
    // more than a row. Until then the lease covers them, so a crash only repeats them.
    setTimeout(() => {
      this.flushScheduled = false;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  /** Writes buffered results; one write at a time, each a single transaction. */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.results.length === 0) {
      this.notifyIdle();
      return;
    }
    const batch = this.results;
    this.results = [];
    this.flushing = this.o.store
      .recordAttempts(this.owner, batch)
      .catch((err: unknown) => {
        // Keep them: the next flush tries again. If the process dies, the leases expire and
        // the deliveries are sent again (at least once).
        this.o.log.error({ err, count: batch.length }, 'recording attempts failed; will retry');
        this.results = batch.concat(this.results);
        return new Promise<void>((resolve) => setTimeout(resolve, 500));
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    if (this.results.length > 0) return this.flush();
    this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.inFlight !== 0 || this.results.length !== 0 || this.flushing) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
