import type { ClaimedDelivery } from '../domain/types.ts';
import * as policy from './admission.ts';
import type { Breakers } from './breaker.ts';
import { ClaimCursor } from './claim-cursor.ts';
import { decide } from './failure.ts';
import { HeldWork } from './held.ts';
import { LeaveOutGate } from './leave-out.ts';
import type { ResultWriter } from './results.ts';
import { FairScheduler } from './scheduler.ts';
import { DEFAULT_MAX_HELD_BYTES, type WorkerOptions } from './worker-options.ts';

export interface Held {
  c: ClaimedDelivery;
  startedAt: number;
}

/** What the intake needs of its worker, beside the worker's options. */
export interface IntakePorts {
  /** Requests in flight at once a key may have in the scheduler (its cap, queued ones included). */
  keyCap: (key: string) => number;
  breakers: Breakers;
  /** Work may be due in the database: claim again (the worker's wake). */
  wake: () => void;
  /** Parked rows are claimable again at `at`. */
  wakeAt: (at: number) => void;
  /** Deliveries sent whose result is not committed yet (the ResultWriter). */
  uncommitted: Pick<ResultWriter, 'pending' | 'isPending' | 'flush'>;
}

/**
 * What the worker holds and how it comes in and goes back: claimed or handed-over deliveries
 * pass admission (admission.ts) into the scheduler and the lease book, or are given back
 * (released, parked) as failure.ts decides for a pre-delivery failure.
 */
export class Intake {
  readonly scheduler: FairScheduler<Held>;
  readonly book: HeldWork;
  readonly holding: policy.Holding;
  readonly limits: policy.Limits;
  /** The database may hold due work not claimed (the last claim was full, or a wake since). */
  mayHaveDue = true;
  readonly #o: WorkerOptions;
  readonly #p: IntakePorts;
  /** Hook id → when hookChanged last saw it, to catch a claim that read the old row. */
  readonly #changedAt = new Map<string, number>();
  #allChangedAt = -Infinity;
  /** Tenant → deliveries parked over its share; released once it is down to half (unparkShare). */
  readonly #overShare = new Map<string, Set<string>>();
  /** Payload bytes per claimed delivery in the last claim: sizes the next claim under the byte cap. */
  #bytesPerClaimed = 0;
  /** Whether releases are retried and parked rows get a wake (while the worker runs). */
  running = false;
  /** Where the next claim starts in the queue (claim-cursor.ts). */
  readonly cursor: ClaimCursor;
  /** Whether a claim that leaves someone out is worth making (leave-out.ts). */
  readonly leaveOut: LeaveOutGate;

  constructor(o: WorkerOptions, p: IntakePorts) {
    this.#o = o;
    this.#p = p;
    this.cursor = new ClaimCursor(o.pollIntervalMs);
    this.leaveOut = new LeaveOutGate(o.pollIntervalMs);
    this.limits = {
      batchSize: o.batchSize,
      hookMaxInFlight: o.hookMaxInFlight,
      maxHeldBytes: o.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES,
    };
    const { store, owner } = o;
    this.scheduler = new FairScheduler({
      globalCap: o.batchSize,
      tenantCap: o.tenantMaxInFlight ?? Math.max(1, o.batchSize - Math.floor(o.batchSize / 4)),
      keyCap: p.keyCap,
    });
    this.book = new HeldWork({
      owner,
      leaseMs: o.leaseMs,
      log: o.log,
      what: 'deliveries',
      workers: store,
      alsoLeased: () => p.uncommitted.pending(),
      ...(o.livenessIntervalMs !== undefined && { livenessMs: o.livenessIntervalMs }),
      leases: {
        extend: (ids, until) => store.extendLeases(owner, ids, until),
        release: (ids) => store.releaseLeases(owner, ids),
      },
    });
    const s = this.scheduler;
    const w = this.book;
    this.holding = {
      get held() {
        return w.size;
      },
      get heldBytes() {
        return w.bytes;
      },
      heldBy: (t) => s.heldBy(t),
      heldByKey: (k) => s.heldByKey(k),
      othersHolding: (k, t) => s.othersHolding(k, t),
      holding: () => s.holding(),
      holdingByKey: () => s.holdingByKey(),
    };
  }

  plan(): policy.ClaimPlan {
    return policy.planClaim(this.limits, this.holding, this.#bytesPerClaimed);
  }

  /**
   * Claims as `plan` says, from the cursor, and takes the rows in. `full`: the claim was full
   * and nothing went back over the byte cap (more may be due); `taken`: rows claimed.
   */
  async claim(plan: policy.ClaimPlan): Promise<{ full: boolean; taken: number }> {
    const o = this.#o;
    const now = Date.now();
    const { limit, excludeTenants, excludeHooks } = plan;
    const leftOut = [...excludeTenants, ...excludeHooks];
    const after = this.cursor.start(now, leftOut);
    const batch = await o.store.claimDue({
      ...{ now, limit, leaseMs: o.leaseMs, owner: o.owner },
      ...{ excludeTenants, excludeHooks, after },
    });
    this.cursor.claimed(after, batch, now, leftOut);
    let full = batch.length === limit;
    // Work of the tenants left out is still due: claim again once they have room.
    this.mayHaveDue = full || leftOut.length > 0;
    // Over the byte cap, the rest went back: claim again only once bytes are freed.
    if (batch.length > 0 && this.enqueue(batch, now) > 0) full = false;
    return { full, taken: batch.length };
  }

  /**
   * A delivery of `tenant` to `key` finished: whether that made room for a claim worth waking the
   * loop for (one that will not leave them out, with work maybe due and bytes to spare).
   */
  roomFreed(tenant: string, key: string): boolean {
    if (!this.mayHaveDue || this.book.bytes >= this.limits.maxHeldBytes) return false;
    if (!policy.roomToClaim(this.limits, this.holding, tenant, key)) return false;
    this.leaveOut.roomFreed(key, tenant);
    return true;
  }

  /** A hook changed at `now` (null: any hook may have): rows read before may be stale. */
  changed(hookId: string | null, now: number): void {
    if (hookId === null) {
      this.#allChangedAt = now;
      return;
    }
    this.#changedAt.set(hookId, now);
    for (const [id, at] of this.#changedAt) if (at < now - 60_000) this.#changedAt.delete(id);
  }

  /** Stop: forgets what waits (scheduled or parked over share); returns their ids to release. */
  takeUnstarted(): string[] {
    const unstarted = this.scheduler.removeAll().map((h) => h.c);
    for (const c of unstarted) this.book.forget(c);
    const parked = [...this.#overShare.values()].flatMap((set) => [...set]);
    this.#overShare.clear();
    return [...unstarted.map((c) => c.delivery.id), ...parked];
  }

  /**
   * Takes claimed deliveries in, through admission. `readAfter`: when the rows were read at the
   * latest (a hook changed since may have been read with its old settings). Returns how many
   * went back over the byte cap.
   */
  enqueue(batch: ClaimedDelivery[], readAfter: number): number {
    const now = Date.now();
    const events = new Map<string, number>();
    for (const c of batch) events.set(c.delivery.eventRowId, c.payload.length);
    let bytes = 0;
    for (const b of events.values()) bytes += b;
    this.#bytesPerClaimed = bytes / batch.length;
    const released = new Map<boolean, ClaimedDelivery[]>();
    const parked = new Map<number, ClaimedDelivery[]>();
    const uncommitted: string[] = [];
    for (const c of batch) {
      const { id, tenantId: tenant, hookId } = c.delivery;
      // Sent, its result not committed yet: claimed again either because its lease lapsed before
      // the commit (sending it now would repeat it) or just after the commit (a due retry, or a
      // FIFO head). Which one is not known here: once the result is committed, the lease is given
      // back, and the next claim sees the row as it is.
      if (!this.book.has(id) && this.#p.uncommitted.isPending(id)) {
        uncommitted.push(id);
        continue;
      }
      const held = this.book.has(id);
      if (!held) this.#overShare.get(tenant)?.delete(id);
      const key = keyOf(c);
      const changed = hookId === null ? -Infinity : (this.#changedAt.get(hookId) ?? -Infinity);
      const breakerUntil = this.#p.breakers.parkUntil(key, now, this.#o.deliveryTimeoutMs + 1000);
      const verdict = policy.admit(this.limits, this.holding, {
        tenant,
        key,
        toHook: hookId !== null,
        cost: this.book.costOf(c),
        held,
        stale: Math.max(changed, this.#allChangedAt) >= readAfter,
        breakerUntil,
      });
      if (verdict === 'skip') continue;
      if (verdict === 'hold') {
        this.book.hold(c);
        this.scheduler.add(tenant, key, { c, startedAt: 0 });
        continue;
      }
      const failure = { stage: 'pre-delivery', reason: verdict } as const;
      const d = decide(failure, { now, schedulePos: 0, breakerUntil }, this.#o);
      if (d.do === 'park') push(parked, d.until, c);
      else if (d.do === 'release') push(released, d.wakeNow, c);
      if (verdict === 'over-tenant-share') {
        const set = this.#overShare.get(tenant);
        if (set) set.add(id);
        else this.#overShare.set(tenant, new Set([id]));
      }
      // The hook is full: its work waits in the database, claimed again once it has room.
      if (verdict === 'over-hook-share') this.mayHaveDue = true;
    }
    if (uncommitted.length > 0)
      void this.#p.uncommitted.flush().then(() => this.book.releaseSoon(uncommitted, this.#p.wake));
    const overCap = released.get(false) ?? [];
    this.release(released.get(true) ?? []);
    if (overCap.length > 0) this.releaseOverCap(overCap);
    for (const [until, list] of parked) this.park(list, until);
    return overCap.length;
  }

  /** Gives leases back so the deliveries are claimed again at once (with current hook settings). */
  release(items: ClaimedDelivery[]): void {
    if (items.length === 0) return;
    for (const c of items) this.book.forget(c);
    this.book.releaseSoon(
      items.map((c) => c.delivery.id),
      this.#p.wake,
    );
  }

  /**
   * Gives back what did not fit under the byte cap. A finished delivery frees bytes and claims
   * again (see Worker.deliver); the release wakes the loop itself only if the smallest one now
   * fits, so a claim does not spin on rows that cannot be taken.
   */
  private releaseOverCap(items: ClaimedDelivery[]): void {
    this.mayHaveDue = true;
    const smallest = Math.min(...items.map((c) => c.payload.length));
    const { maxHeldBytes } = this.limits;
    this.book.releaseSoon(
      items.map((c) => c.delivery.id),
      () => {
        if (this.book.bytes === 0 || this.book.bytes + smallest <= maxHeldBytes) this.#p.wake();
      },
    );
  }

  /** Deliveries wait in the database until `until`, without an attempt (see LeaseBook.park). */
  park(items: ClaimedDelivery[], until: number): void {
    for (const c of items) this.book.forget(c);
    this.book.park(
      items.map((c) => c.delivery.id),
      until,
      this.#p.wake,
    );
    // A little after `until`, so the claim sees the lease as expired.
    if (this.running) this.#p.wakeAt(until + 50);
  }

  /**
   * A tenant down to half its share gets its over-share deliveries back at once: their leases
   * are released so the next claim takes them (a single busy tenant would otherwise idle for
   * the whole defer whenever it outran its share).
   */
  unparkShare(tenant: string): void {
    const set = this.#overShare.get(tenant);
    if (!set || !this.running || this.scheduler.heldBy(tenant) > policy.tenantMaxHeld(this.limits) / 2)
      return;
    this.#overShare.delete(tenant);
    if (set.size > 0) this.book.releaseSoon([...set], this.#p.wake);
  }
}

export function keyOf(c: ClaimedDelivery): string {
  if (c.delivery.hookId) return c.delivery.hookId;
  const url = c.delivery.target?.url;
  return (url && URL.parse(url)?.origin) ?? url ?? c.delivery.id;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
