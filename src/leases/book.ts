import type { Logger } from '../log.ts';

/**
 * The lease book: what one owner holds of durable leased work, and the three things every
 * holder does with it, written once for the delivery worker (src/delivery), the publisher's
 * handover into it, and the run engine (src/runs):
 *  - owner liveness: the owner is registered in `workers` and heartbeats there, so another
 *    process takes a dead owner's leases once its heartbeat is stale (Store deadAfterMs), not a
 *    whole lease later;
 *  - lease heartbeat: every lease held is pushed a lease further every leaseMs / 3, since work
 *    can wait here longer than a lease (a slow hook's queue, a long test run);
 *  - giving back: a release the database refused is tried again every second while the book is
 *    open: a living owner's leases never lapse by themselves (its heartbeat is fresh), so without
 *    this the rows would wait a whole lease.
 */

/** This owner's leases in one table. */
export interface LeasePort {
  /** Pushes this owner's leases on `ids` to `until`. */
  extend(ids: string[], until: number): Promise<unknown>;
  /** Gives this owner's leases on `ids` back: they are claimed again at once. */
  release(ids: string[]): Promise<unknown>;
}

/** Owner liveness in `workers` (Store's four methods). */
export interface OwnerPort {
  registerWorker(owner: string, now: number): Promise<void>;
  heartbeatWorker(owner: string, now: number): Promise<void>;
  unregisterWorker(owner: string): Promise<void>;
}

export interface LeaseBookOptions {
  owner: string;
  leaseMs: number;
  leases: LeasePort;
  workers: OwnerPort;
  log: Logger;
  /** Owner heartbeat period; default 5 s. */
  livenessMs?: number;
  /** Log context: what is leased ("deliveries", "build runs"…). */
  what: string;
  /**
   * Ids no longer booked whose leases the heartbeat must still keep (a delivery sent, its result
   * not committed yet: lapsed, the next claim would take it back and send it again).
   */
  alsoLeased?: () => Iterable<string>;
}

const RELEASE_RETRY_MS = 1000;

export class LeaseBook<T> {
  readonly owner: string;
  readonly #o: LeaseBookOptions;
  readonly #held = new Map<string, T>();
  #timers: NodeJS.Timeout[] = [];
  #open = false;
  /** Leases given back in this tick, released in one write (see releaseTogether). */
  #together: string[] = [];

  constructor(o: LeaseBookOptions) {
    this.#o = o;
    this.owner = o.owner;
  }

  get size(): number {
    return this.#held.size;
  }

  /** Whether the book heartbeats and retries releases (between open and close). */
  get isOpen(): boolean {
    return this.#open;
  }

  has(id: string): boolean {
    return this.#held.has(id);
  }

  get(id: string): T | undefined {
    return this.#held.get(id);
  }

  ids(): string[] {
    return [...this.#held.keys()];
  }

  values(): IterableIterator<T> {
    return this.#held.values();
  }

  /** Books `value` under `id`; false (and nothing changes) when `id` is held already. */
  add(id: string, value: T): boolean {
    if (this.#held.has(id)) return false;
    this.#held.set(id, value);
    return true;
  }

  /** Forgets `id` (its lease is released, parked or recorded elsewhere); returns what was held. */
  delete(id: string): T | undefined {
    const v = this.#held.get(id);
    if (v !== undefined) this.#held.delete(id);
    return v;
  }

  /** Forgets everything; returns the ids that were held. */
  clear(): string[] {
    const ids = this.ids();
    this.#held.clear();
    return ids;
  }

  /** Registers the owner and starts both heartbeats. */
  async open(): Promise<void> {
    const { owner, workers, log, what } = this.#o;
    await workers.registerWorker(owner, Date.now());
    this.#open = true;
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.#timers.push(t);
    };
    every(Math.max(250, Math.floor(this.#o.leaseMs / 3)), () => void this.extendAll());
    every(this.#o.livenessMs ?? 5000, () => {
      workers.heartbeatWorker(owner, Date.now()).catch((err: unknown) => {
        log.error({ err, what }, 'owner heartbeat failed; will retry');
      });
    });
  }

  /** Stops the heartbeats and the release retries; what is held stays booked. */
  close(): void {
    this.#open = false;
    for (const t of this.#timers.splice(0)) clearInterval(t);
  }

  /** Forgets the owner in `workers` (after its leases were released); never throws. */
  async unregister(): Promise<void> {
    await this.#o.workers.unregisterWorker(this.owner).catch((err: unknown) => {
      this.#o.log.error({ err, what: this.#o.what }, 'unregistering the owner failed');
    });
  }

  /** Lease heartbeat: everything held (and `alsoLeased`) gets a lease from now. */
  async extendAll(): Promise<void> {
    const ids = this.#o.alsoLeased ? [...this.#held.keys(), ...this.#o.alsoLeased()] : this.ids();
    if (ids.length === 0) return;
    try {
      await this.#o.leases.extend(ids, Date.now() + this.#o.leaseMs);
    } catch (err) {
      this.#o.log.error({ err, what: this.#o.what }, 'extending leases failed; will retry');
    }
  }

  /** Gives leases back now; true when released (or there were none). Never throws. */
  async releaseNow(ids: string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    try {
      await this.#o.leases.release(ids);
      return true;
    } catch (err) {
      this.#o.log.error({ err, count: ids.length, what: this.#o.what }, 'releasing leases failed');
      return false;
    }
  }

  /**
   * Gives leases back in the background, then calls `then`; a refused release is tried again
   * every second while the book is open.
   */
  releaseSoon(ids: string[], then: () => void): void {
    void this.releaseNow(ids).then((ok) => {
      if (ok) then();
      else if (this.#open) setTimeout(() => this.releaseSoon(ids, then), RELEASE_RETRY_MS).unref();
    });
  }

  /** Releases `id` with the others given back in the same tick, in one write. */
  releaseTogether(id: string, then: () => void): void {
    this.#together.push(id);
    if (this.#together.length > 1) return;
    queueMicrotask(() => {
      const ids = this.#together;
      this.#together = [];
      this.releaseSoon(ids, then);
    });
  }

  /**
   * Lets rows wait in the database until `until` without an attempt: their lease is moved to
   * `until` (the caller has forgotten them), so no one claims them before then. If the database
   * refuses, they are released instead: their leases would otherwise hold for a whole lease.
   */
  park(ids: string[], until: number, onReleased: () => void): void {
    this.#o.leases.extend(ids, until).catch((err: unknown) => {
      this.#o.log.error({ err, count: ids.length, what: this.#o.what }, 'parking failed; releasing');
      this.releaseSoon(ids, onReleased);
    });
  }
}
