/**
 * Circuit breaker with AIMD concurrency for one hook (or one reporter origin). A pure state
 * machine: the caller passes the clock in, so every transition can be tested with tables.
 *
 * - closed: up to `limit` requests in flight. A timeout or connection failure halves the
 *   limit (floor 1), at most once per round of requests (a failure of a request that started
 *   before the last decrease says nothing new); a success adds 1 (up to `max`).
 * - open: after `openAfter` consecutive connection-level failures. Nothing is sent until
 *   `openUntil`; the caller parks the held deliveries in the database meanwhile.
 * - probing: the backoff is over and one request (the probe) is out. Success closes the
 *   breaker; failure opens it again with double the backoff (up to `maxBackoffMs`).
 *
 * An HTTP answer of any status counts as the receiver being reachable: the retry schedule
 * deals with 5xx, the breaker with receivers that do not answer at all.
 */

export interface BreakerOptions {
  /** The most requests in flight (the hook's cap). */
  max: number;
  /** Consecutive connection-level failures that open the breaker. */
  openAfter: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export type BreakerState = 'closed' | 'open' | 'probing';

export type AttemptKind = 'answered' | 'unreachable';

export class Breaker {
  private readonly o: BreakerOptions;
  state: BreakerState = 'closed';
  limit: number;
  /** Consecutive unreachable results. */
  failures = 0;
  openUntil = 0;
  backoffMs: number;
  private lastDecreaseAt = -Infinity;
  private probeStartedAt = Infinity;

  constructor(o: BreakerOptions) {
    this.o = o;
    this.limit = o.max;
    this.backoffMs = o.baseBackoffMs;
  }

  /** How many requests may be in flight now (0 while open or while the probe is out). */
  cap(now: number): number {
    if (this.state === 'closed') return this.limit;
    if (this.state === 'open' && now >= this.openUntil) return 1;
    return 0;
  }

  /** Until when new work of this key should wait in the database, or null to hold it. */
  parkUntil(now: number, probeWindowMs: number): number | null {
    if (this.state === 'open' && now < this.openUntil) return this.openUntil;
    if (this.state === 'probing') return now + probeWindowMs;
    return null;
  }

  /** A request of this key starts; past the backoff, the first one is the probe. */
  started(now: number): void {
    if (this.state === 'open' && now >= this.openUntil) {
      this.state = 'probing';
      this.probeStartedAt = now;
    }
  }

  /**
   * A request that started at `startedAt` ended. Returns true when this result opened the
   * breaker (the caller then parks what it holds for the key).
   */
  finished(kind: AttemptKind, startedAt: number, now: number): boolean {
    if (kind === 'answered') {
      this.failures = 0;
      if (this.state !== 'closed') {
        this.state = 'closed';
        this.backoffMs = this.o.baseBackoffMs;
        this.limit = 1;
      } else this.limit = Math.min(this.o.max, this.limit + 1);
      return false;
    }
    this.failures++;
    // Requests from before the breaker opened still end while it is open or probing.
    if (this.state === 'probing' && startedAt >= this.probeStartedAt)
      return this.open(now, Math.min(this.o.maxBackoffMs, this.backoffMs * 2));
    if (this.state !== 'closed') return false;
    if (startedAt >= this.lastDecreaseAt) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.lastDecreaseAt = now;
    }
    if (this.failures >= this.o.openAfter) return this.open(now, this.backoffMs);
    return false;
  }

  /** Closed at full limit with no failures: indistinguishable from a new breaker. */
  get pristine(): boolean {
    return this.state === 'closed' && this.failures === 0 && this.limit === this.o.max;
  }

  private open(now: number, backoffMs: number): boolean {
    this.state = 'open';
    this.backoffMs = backoffMs;
    this.openUntil = now + backoffMs;
    return true;
  }
}

/** The breakers of one worker, by key (hook id or reporter origin); a key without one is closed. */
export class Breakers {
  readonly #o: BreakerOptions;
  readonly #byKey = new Map<string, Breaker>();

  constructor(o: BreakerOptions) {
    this.#o = o;
  }

  /** Requests in flight at once for a key: `max`, lowered by its breaker. */
  cap(key: string, max: number, now: number): number {
    return Math.min(max, this.#byKey.get(key)?.cap(now) ?? Infinity);
  }

  state(key: string): BreakerState {
    return this.#byKey.get(key)?.state ?? 'closed';
  }

  parkUntil(key: string, now: number, probeWindowMs: number): number | null {
    return this.#byKey.get(key)?.parkUntil(now, probeWindowMs) ?? null;
  }

  started(key: string, now: number): void {
    this.#byKey.get(key)?.started(now);
  }

  /** A request ended; returns until when the key's breaker is open, if this result opened it. */
  finished(key: string, kind: AttemptKind, startedAt: number, now: number): number | null {
    let breaker = this.#byKey.get(key);
    if (!breaker) {
      if (kind === 'answered') return null;
      breaker = new Breaker(this.#o);
      this.#byKey.set(key, breaker);
    }
    if (breaker.finished(kind, startedAt, now)) return breaker.openUntil;
    if (breaker.pristine) this.#byKey.delete(key);
    return null;
  }

  /** Forgets a key's breaker (its hook changed); null: every key's. */
  forget(key: string | null): void {
    if (key === null) this.#byKey.clear();
    else this.#byKey.delete(key);
  }
}
