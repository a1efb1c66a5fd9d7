import type { ClaimedDelivery } from '../domain/types.ts';
import type { QueuePlace } from '../store/store.ts';

/**
 * Where the worker's next claim starts in the queue's order (next attempt time, then id).
 *
 * The rows a worker holds stay pending, so they sit at the head of the due index until their
 * results are written, and every claim from the head walks them again, each with its lease
 * check: with 2,000 held, 1.7 ms a claim on SQLite, more than the claim itself. After a claim,
 * the rows up to its last one are leased (to this worker or another) or not claimable, so the
 * next claim starts after it.
 *
 * Rows can appear behind the cursor, so it starts from the head again (`reset`):
 *  - when this worker gives work back (a release, a park, a hook change) or anything wakes it
 *    but its own publisher with rows due after the cursor (a notification, a timer, a requeue,
 *    a FIFO head's result);
 *  - once a tenant or hook that a claim since the last start from the head left out is no
 *    longer left out (its rows stay behind until it has room again; a claim that still leaves it
 *    out would walk them in vain: with one hook in ten answering in 1 s, every claim walked the
 *    slow hook's growing backlog at the head of the queue);
 *  - at least every `rescanMs`, for what no wake announces: a lease that ran out, a dead
 *    owner's work, a row another process committed with an earlier time.
 */
export class ClaimCursor {
  #place: QueuePlace | null = null;
  #headAt = -Infinity;
  /** Tenants and hooks left out by a claim since the last start from the head. */
  #behind: Set<string> | null = null;
  readonly #rescanMs: number;

  constructor(rescanMs: number) {
    this.#rescanMs = rescanMs;
  }

  /** Where a claim at `now` that leaves `leftOut` out (tenant and hook ids) starts; null: from the head. */
  start(now: number, leftOut: readonly string[] = []): QueuePlace | null {
    if (this.#behind !== null) {
      const still = new Set(leftOut);
      if ([...this.#behind].some((x) => !still.has(x))) this.reset();
    }
    return now - this.#headAt >= this.#rescanMs ? null : this.#place;
  }

  /** A claim that started at `from` (at `now`), leaving `leftOut` out, returned `claimed`, in queue order. */
  claimed(
    from: QueuePlace | null,
    claimed: readonly ClaimedDelivery[],
    now: number,
    leftOut: readonly string[] = [],
  ): void {
    if (from === null) {
      this.#headAt = now;
      this.#behind = null;
    }
    for (const x of leftOut) (this.#behind ??= new Set()).add(x);
    const last = claimed.at(-1)?.delivery;
    if (last !== undefined && last.nextAttemptAt !== null)
      this.#place = { at: last.nextAttemptAt, id: last.id };
  }

  /** Rows due at `dueAt` were committed: start from the head unless they lie after the cursor. */
  committed(dueAt: number): void {
    if (this.#place !== null && dueAt <= this.#place.at) this.reset();
  }

  reset(): void {
    this.#place = null;
    this.#headAt = -Infinity;
    this.#behind = null;
  }
}
