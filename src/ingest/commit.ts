import type { InsertEventResult, NewEventWithDeliveries, Store } from '../store/store.ts';

/** Rows a caller's items write: each event and each of its deliveries (a fan-out is many). */
function rows(items: NewEventWithDeliveries[]): number {
  let n = items.length;
  for (const i of items) n += i.deliveries.length;
  return n;
}

interface Waiting {
  items: NewEventWithDeliveries[];
  resolve: (r: InsertEventResult[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: publishes that arrive in the same tick share one transaction. Each caller
 * still gets its answer only after that transaction has committed, so acceptance stays
 * durable while the database does one commit (one fsync) for many requests.
 */
export class GroupCommitter {
  private readonly store: Store;
  /** Rows (events plus their deliveries) one transaction takes at most, unless one caller alone has more. */
  private readonly maxRows: number;
  private queue: Waiting[] = [];
  private queued = 0;
  private scheduled = false;

  constructor(store: Store, maxRows = 1200) {
    this.store = store;
    this.maxRows = maxRows;
  }

  insert(items: NewEventWithDeliveries[]): Promise<InsertEventResult[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits one group, then yields before the next: on SQLite a transaction runs on this
   * thread, and one of 4,000 events held it for ~100 ms, during which the sender thread got no
   * new work and finished results were not taken in. Groups of a few hundred events keep the
   * commit cheap per event and every stall short.
   */
  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const group: Waiting[] = [];
    let size = 0;
    while (
      this.queue.length > 0 &&
      (group.length === 0 || size + rows(this.queue[0]!.items) <= this.maxRows)
    ) {
      const w = this.queue.shift()!;
      group.push(w);
      size += rows(w.items);
      this.queued -= w.items.length;
    }
    void this.commit(group);
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private async commit(group: Waiting[]): Promise<void> {
    try {
      const results = await this.store.insertEvents(group.flatMap((w) => w.items));
      let offset = 0;
      for (const w of group) {
        w.resolve(results.slice(offset, offset + w.items.length));
        offset += w.items.length;
      }
    } catch (err) {
      for (const w of group) w.reject(err);
    }
  }
}
