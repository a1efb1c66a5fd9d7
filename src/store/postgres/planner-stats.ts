import type pg from 'pg';

/** A full claim slower than this walked far more rows than it took (see PlannerStats). */
export const SLOW_CLAIM_MS = 100;
/** At most one ANALYZE a minute per process: on a 1,000,000-row table one costs ~0.3–1 s of a backend. */
const MIN_INTERVAL_MS = 60_000;

/**
 * Keeps the planner's statistics of `deliveries` fit for the claim. Planned with statistics, the
 * claim walks the due index from its cursor and stops after `limit` rows (13 ms for 512 with
 * 1,000,000 due). Without them (a table never analyzed: autovacuum off, or not round yet after a
 * backlog was built in a minute) PostgreSQL estimates a handful of due rows, so it reads every
 * due row and sorts them: 1.2 s a claim with 1,000,000 due, and the drain of a backlog crawls
 * until autovacuum analyzes the table, or for ever when it is off. (After five claims
 * PostgreSQL may switch to the generic plan, which without statistics happens to walk the index;
 * with them the generic plan is the one that reads everything, and PostgreSQL keeps the custom
 * one: statistics, not a plan-cache setting, keep both right.) A full claim slower than
 * SLOW_CLAIM_MS is that sign, whatever else made it slow: the table is analyzed in the
 * background, which takes no lock the queue's statements wait for.
 */
export class PlannerStats {
  readonly #pool: pg.Pool;
  readonly #onError: ((err: Error) => void) | undefined;
  #lastAt = -Infinity;
  #running = false;

  constructor(pool: pg.Pool, onError?: (err: Error) => void) {
    this.#pool = pool;
    this.#onError = onError;
  }

  /** A claim asked for `limit` rows, got `taken`, in `ms`. Returns the ANALYZE it started, if any. */
  claimed(limit: number, taken: number, ms: number, now = Date.now()): Promise<void> | null {
    if (taken < limit || ms < SLOW_CLAIM_MS || this.#running || now - this.#lastAt < MIN_INTERVAL_MS)
      return null;
    this.#lastAt = now;
    this.#running = true;
    // A role that does not own the table gets a warning and nothing changes: harmless.
    return this.#pool
      .query('ANALYZE deliveries')
      .then(
        () => {},
        (err: unknown) => this.#onError?.(err as Error),
      )
      .finally(() => (this.#running = false));
  }
}
