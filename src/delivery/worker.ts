import type { ClaimedDelivery } from '../domain/types.ts';
import type { LocalSink } from '../ingest/publish.ts';
import { ordered } from '../domain/hook-options.ts';
import { LATE_START_MS } from '../domain/rate-limit.ts';
import * as policy from './admission.ts';
import { Breakers, type AttemptKind } from './breaker.ts';
import { decide, kindOf, resultOf } from './failure.ts';
import { Intake, type Held } from './intake.ts';
import type { Picked } from './scheduler.ts';
import { RateGate } from './rate-gate.ts';
import { ResultWriter } from './results.ts';
import type { Outgoing } from './sender.ts';
import { SlowKeys } from './slow-keys.ts';
import { reportOf } from '../telemetry/tracing.ts';
import { Wakeups } from './wakeups.ts';
import { DEFAULT_BREAKER, within, type WorkerOptions } from './worker-options.ts';

export { DEFAULT_MAX_HELD_BYTES, type WorkerOptions } from './worker-options.ts';

/** accept() does not know when the publisher loaded its batch: changes this recent are suspect. */
const ACCEPT_CHANGE_WINDOW_MS = 5000;

/**
 * The delivery stage: claim → admit → schedule → send → record → reschedule. Deliveries arrive
 * from the in-process publisher (already leased to this worker) or from claimDue, and pass
 * admission into the intake (intake.ts: admission.ts decides, the lease book holds the leases).
 * A fair scheduler picks what goes out; a breaker per hook (breaker.ts) lowers the concurrency
 * of receivers that do not answer; failure.ts decides what follows a failed attempt. Results
 * are written in batches; a crash before a batch commits leaves the leases to a successor, so
 * the work is retried (at least once).
 */
export class Worker implements LocalSink {
  readonly owner: string;
  private readonly o: WorkerOptions;
  private readonly intake: Intake;
  private readonly breakers: Breakers;
  private readonly slowKeys = new SlowKeys();
  private readonly writer: ResultWriter;
  private readonly wakeups = new Wakeups(() => this.wake());
  private rateGate: RateGate;
  private running = false;
  /** stop() gave up on requests in flight and released them: their results are not ours. */
  private abandoned = false;
  private loopPromise: Promise<void> | null = null;
  private unsubscribers: Array<() => Promise<void>> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(o: WorkerOptions) {
    this.o = o;
    this.owner = o.owner;
    this.breakers = new Breakers({ ...DEFAULT_BREAKER, ...o.breaker, max: o.hookMaxInFlight });
    const { store, owner, log } = o;
    this.writer = new ResultWriter({ store, owner, log, onDrained: () => this.notifyIdle() });
    this.intake = new Intake(o, {
      // A sender that queues (the thread) takes `depth` times a healthy key's cap; a key its
      // breaker has lowered gets no more than the breaker allows, a slow one its cap (slow-keys.ts).
      keyCap: (key) => {
        const cap = this.capOf(key);
        return cap < o.hookMaxInFlight || this.slowKeys.isSlow(key) ? cap : cap * o.sender.depth;
      },
      breakers: this.breakers,
      wake: () => this.wake(),
      wakeAt: (at) => this.wakeups.at(at),
      uncommitted: this.writer,
    });
    this.rateGate = new RateGate(o.store);
  }

  /** Requests in flight at once for a key: the hook's limit, lowered by its breaker. */
  private capOf(key: string): number {
    return this.breakers.cap(key, this.o.hookMaxInFlight, Date.now());
  }

  get maxHeld(): number {
    return policy.maxHeld(this.intake.limits);
  }
  /** Deliveries held: waiting for a slot or in flight. */
  get held(): number {
    return this.intake.book.size;
  }
  /** Payload bytes held, each event counted once (bounded by maxHeldBytes). */
  get heldBytes(): number {
    return this.intake.book.bytes;
  }
  get maxHeldBytes(): number {
    return this.intake.limits.maxHeldBytes;
  }
  get inFlight(): number {
    return this.intake.scheduler.inFlight;
  }
  /** The breaker state of a hook (or reporter origin), for tests and diagnostics. */
  circuit(key: string): 'closed' | 'open' | 'probing' {
    return this.breakers.state(key);
  }

  /** The publisher's handover: see admission.ts handoverFits. */
  hasRoom(n: number, bytes = 0, tenantId?: string, perHook?: ReadonlyMap<string, number>): boolean {
    const { limits, holding } = this.intake;
    return this.running && policy.handoverFits(limits, holding, n, bytes, tenantId, perHook);
  }

  accept(claimed: ClaimedDelivery[]): boolean {
    if (!this.running) return false;
    this.intake.enqueue(claimed, Date.now() - ACCEPT_CHANGE_WINDOW_MS);
    this.pump();
    return true;
  }

  /**
   * Something may have become due (an unleased insert due at `dueAt`, a requeue, a notify, a
   * retry timer). New work of a tenant the next claim leaves out wakes nothing: its finished
   * work will (roomToClaim).
   */
  wake(tenantId?: string, dueAt?: number): void {
    if (dueAt === undefined) this.intake.cursor.reset();
    else this.intake.cursor.committed(dueAt);
    this.intake.mayHaveDue = true;
    const { limits, holding } = this.intake;
    if (tenantId !== undefined && !policy.tenantInClaim(limits, holding, tenantId)) return;
    this.intake.leaveOut.signalled();
    this.wakeups.wake();
  }

  /**
   * A hook's settings changed (disabled, deleted, new URL, credentials or secret), and the
   * change is committed; null: any hook may have changed (missed notifications). Held
   * deliveries of the hook that have not started are released: the next claim reads the hook
   * row as it is now. Requests in flight finish and record.
   */
  hookChanged(_tenantId: string, hookId: string | null): void {
    this.intake.cursor.reset();
    this.intake.changed(hookId, Date.now());
    this.breakers.forget(hookId);
    this.slowKeys.forget(hookId);
    this.o.sender.cancelQueued(hookId);
    const { scheduler } = this.intake;
    const dropped = hookId === null ? scheduler.removeAll() : scheduler.remove(hookId);
    this.intake.release(dropped.map((h) => h.c));
  }

  allHooksChanged(): void {
    this.hookChanged('', null);
  }

  async start(): Promise<void> {
    this.running = this.intake.running = true;
    this.intake.cursor.reset();
    this.intake.leaveOut.started(Date.now());
    this.rateGate = new RateGate(this.o.store);
    this.abandoned = false;
    // Owner liveness and the lease heartbeat (leases/book.ts).
    await this.intake.book.open();
    this.unsubscribers.push(await this.o.store.subscribeWake(() => this.wake()));
    // Changes committed by other processes (PostgreSQL); null: any hook may have changed.
    this.unsubscribers.push(await this.o.store.subscribeHookChanges((t, h) => this.hookChanged(t ?? '', h)));
    this.loopPromise = this.loop();
  }

  /**
   * Graceful stop: claims nothing more, gives back what has not started, lets in-flight
   * requests finish and records their results, but waits at most stopTimeoutMs: then it
   * releases the leases of what is still in flight (it will be sent again) and returns.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = this.intake.running = false;
    const deadline = Date.now() + (this.o.stopTimeoutMs ?? this.o.deliveryTimeoutMs + 2000);
    const { book } = this.intake;
    this.wake();
    this.wakeups.clear();
    book.close();
    this.rateGate.close();
    const unsubscribers = this.unsubscribers.splice(0);
    await within(Promise.all(unsubscribers.map((u) => u())), deadline);
    await within(this.loopPromise, deadline);
    // Jobs the sender queued come back unstarted (deliver releases them with the rest).
    this.o.sender.cancelQueued(null);
    await within(book.releaseNow(this.intake.takeUnstarted()), deadline);
    const settled = this.idle().then(() => this.writer.flush());
    if (!(await within(settled, deadline))) {
      this.abandoned = true;
      this.writer.drop();
      const ids = book.clear();
      this.o.log.warn({ inFlight: ids.length }, 'stop: requests still in flight; releasing their leases');
      await within(book.releaseNow(ids), Date.now() + 2000);
    }
    await within(book.unregister(), Date.now() + 2000);
  }

  /** Resolves when nothing is in flight and every result is written. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && !this.writer.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(): Promise<void> {
    const { intake } = this;
    while (this.running) {
      this.wakeups.take();
      const plan = intake.plan();
      let full = false;
      // A claim that leaves someone out is made only when it may find work (leave-out.ts).
      if (plan.limit > 0 && intake.leaveOut.claim(plan, Date.now())) {
        try {
          const claimed = await intake.claim(plan);
          full = claimed.full;
          if (claimed.taken > 0) this.pump();
        } catch (err) {
          this.o.log.error({ err }, 'claiming deliveries failed; will retry');
        }
      }
      // A full claim: more may be due, claim on, unless the next claim would leave someone out.
      // Such a claim walks their due rows; it waits for a wake (their room, another tenant's work).
      if (full && this.heldBytes < this.maxHeldBytes && !policy.leavesOut(intake.plan())) continue;
      if (!this.running || this.wakeups.pending) continue;
      await this.wakeups.wait(this.o.pollIntervalMs);
      // Nothing woke the loop for a whole poll: look for what no wake announces.
      if (!this.wakeups.pending) intake.leaveOut.signalled();
    }
  }

  /** Starts as many held deliveries as the scheduler allows. */
  private pump(): void {
    if (!this.running) return;
    const { scheduler } = this.intake;
    for (let p = scheduler.next(); p; p = scheduler.next()) {
      p.item.startedAt = Date.now();
      // The key's concurrency as the scheduler saw it: a breaker's probe reads 0 once started,
      // and a sender told 0 would hold the probe for ever. The scheduler let it start: ≥ 1.
      const cap = Math.max(1, this.capOf(p.key));
      this.breakers.started(p.key, p.item.startedAt);
      void this.deliver(p, cap);
    }
  }

  private async deliver(p: Picked<Held>, cap: number): Promise<void> {
    const { c } = p.item;
    const { intake } = this;
    const tracing = this.o.tracing ?? null;
    // A rate-limited hook's delivery waits for its send slot; without one it goes back unsent.
    const admitted = c.hook?.rateLimit ? await this.rateGate.admit(c.hook.id, c.hook.rateLimit) : true;
    if (admitted && c.hook?.rateLimit) p.item.startedAt = Date.now();
    const startedAt = p.item.startedAt;
    const trace = admitted ? (tracing?.attemptStarted(c) ?? null) : null;
    const startBy = c.hook?.rateLimit ? startedAt + LATE_START_MS : undefined;
    const sent: Outgoing =
      trace === null && startBy === undefined ? c : { ...c, traceparent: trace?.traceparent, startBy };
    const outcome = admitted ? await this.o.sender.submit(sent, p.key, cap) : null;
    intake.scheduler.finished(p.tenant, p.key);
    if (this.abandoned) return;
    intake.book.forget(c);
    if (outcome === null) {
      // Pre-delivery (no rate slot, or given back unstarted): claimed again as it is now.
      const reason = admitted ? 'given-back' : 'no-rate-slot';
      if (
        decide({ stage: 'pre-delivery', reason }, { now: startedAt, schedulePos: 0 }, this.o).do === 'release'
      )
        intake.book.releaseTogether(c.delivery.id, () => this.wake());
      this.pump();
      this.notifyIdle();
      return;
    }
    intake.unparkShare(c.delivery.tenantId);
    const result = resultOf(outcome, c.delivery, Date.now(), this.o);
    if (result.nextAttemptAt !== null && this.running) this.wakeups.at(result.nextAttemptAt);
    this.o.metrics.deliveries.inc({ outcome: result.outcome });
    this.o.metrics.attemptSeconds.observe({ outcome: result.outcome }, outcome.attempt.durationMs / 1000);
    this.writer.push(result);
    if (trace !== null) tracing!.attemptEnded(trace, c, reportOf(result.outcome, outcome.attempt));
    // The next of a FIFO queue is claimable once this result is committed: write it now.
    if (ordered(c.delivery)) void this.writer.flush().then(() => this.wake());
    this.slowKeys.observe(p.key, outcome.attempt.durationMs);
    this.onBreaker(p.key, kindOf(outcome), startedAt);
    this.pump();
    if (this.running && intake.roomFreed(c.delivery.tenantId, p.key)) this.wakeups.wake();
  }

  private onBreaker(key: string, kind: AttemptKind, startedAt: number): void {
    // A receiver that did not answer: what the sender queued for it waits for the breaker's
    // verdict in the database, not in a queue that would send it regardless.
    if (kind === 'unreachable') this.o.sender.cancelQueued(key);
    const openUntil = this.breakers.finished(key, kind, startedAt, Date.now());
    if (openUntil === null) return;
    this.o.log.warn({ key, until: openUntil }, 'circuit open: receiver does not answer');
    const held = this.intake.scheduler.remove(key).map((h) => h.c);
    if (held.length > 0) this.intake.park(held, openUntil);
    else if (this.running) this.wakeups.at(openUntil);
  }

  private notifyIdle(): void {
    if (this.inFlight !== 0 || this.writer.busy) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
