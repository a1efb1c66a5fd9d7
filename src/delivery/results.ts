import type { Logger } from '../log.ts';
import type { AttemptResult, Store } from '../store/store.ts';

const FLUSH_AT = 512;
const FLUSH_DELAY_MS = 50;

/**
 * Buffers attempt results and writes them in batches, one transaction at a time. Results wait
 * up to 50 ms so one commit records many: a commit costs far more than a row. Until then the
 * lease covers them, so a crash only repeats them.
 */
export class ResultWriter {
  private readonly store: Store;
  private readonly owner: string;
  private readonly log: Logger;
  /** Called whenever a flush ends with nothing left to write. */
  private readonly onDrained: () => void;
  private results: AttemptResult[] = [];
  /** Deliveries whose result is buffered or being written, so not yet committed. */
  private readonly uncommitted = new Set<string>();
  private flushing: Promise<void> | null = null;
  private flushScheduled = false;
  private dropped = false;

  constructor(o: { store: Store; owner: string; log: Logger; onDrained: () => void }) {
    this.store = o.store;
    this.owner = o.owner;
    this.log = o.log;
    this.onDrained = o.onDrained;
  }

  /**
   * Delivery ids whose result is not committed yet. Their leases must be kept alive, and a claim
   * that returns one must leave it alone: it was sent, and sending it again would repeat it.
   */
  pending(): Iterable<string> {
    return this.uncommitted;
  }

  isPending(deliveryId: string): boolean {
    return this.uncommitted.has(deliveryId);
  }

  /** Results buffered or being written. */
  get busy(): boolean {
    return this.results.length > 0 || this.flushing !== null;
  }

  push(result: AttemptResult): void {
    if (this.dropped) return;
    this.results.push(result);
    this.uncommitted.add(result.attempt.deliveryId);
    if (this.results.length >= FLUSH_AT) {
      void this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      void this.flush();
    }, FLUSH_DELAY_MS);
  }

  /** Gives up on what is buffered (shutdown after the leases were released). */
  drop(): void {
    this.dropped = true;
    this.results = [];
    this.uncommitted.clear();
  }

  /** Writes buffered results; one write at a time, each a single transaction. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.results.length === 0) {
      this.onDrained();
      return;
    }
    const batch = this.results;
    this.results = [];
    this.flushing = this.store
      .recordAttempts(this.owner, batch)
      .then(() => {
        for (const r of batch) this.uncommitted.delete(r.attempt.deliveryId);
      })
      .catch((err: unknown) => {
        // Keep them: the next flush tries again. If the process dies, the leases go to a
        // successor and the deliveries are sent again (at least once).
        this.log.error({ err, count: batch.length }, 'recording attempts failed; will retry');
        if (!this.dropped) this.results = batch.concat(this.results);
        return new Promise<void>((resolve) => setTimeout(resolve, 500));
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
    if (this.results.length > 0) return this.flush();
    this.onDrained();
  }
}
