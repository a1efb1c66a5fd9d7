import type { ClaimedDelivery } from '../domain/types.ts';
import { LeaseBook } from '../leases/book.ts';

/**
 * The deliveries a worker holds (waiting for a slot or in flight), in the lease book that
 * heartbeats and releases their leases, and what they cost in memory: each distinct event's
 * payload counted once while any of its deliveries is held, since they share one payload string
 * (the publisher hands them over so, and claimDue dedupes by event). Lengths are string lengths:
 * bytes for the ASCII JSON Herald writes.
 */
export class HeldWork extends LeaseBook<ClaimedDelivery> {
  /** Event row id → how many of its deliveries are held. */
  readonly #events = new Map<string, number>();
  #bytes = 0;

  /** Payload bytes held, each event once. */
  get bytes(): number {
    return this.#bytes;
  }

  /** What holding `c` would add: nothing when another delivery of its event is held. */
  costOf(c: ClaimedDelivery): number {
    return this.#events.has(c.delivery.eventRowId) ? 0 : c.payload.length;
  }

  hold(c: ClaimedDelivery): void {
    this.add(c.delivery.id, c);
  }

  forget(c: ClaimedDelivery): void {
    this.delete(c.delivery.id);
  }

  override add(id: string, c: ClaimedDelivery): boolean {
    if (!super.add(id, c)) return false;
    const ev = c.delivery.eventRowId;
    const n = this.#events.get(ev) ?? 0;
    if (n === 0) this.#bytes += c.payload.length;
    this.#events.set(ev, n + 1);
    return true;
  }

  override delete(id: string): ClaimedDelivery | undefined {
    const held = super.delete(id);
    if (!held) return undefined;
    const ev = held.delivery.eventRowId;
    const n = (this.#events.get(ev) ?? 1) - 1;
    if (n > 0) this.#events.set(ev, n);
    else {
      this.#events.delete(ev);
      this.#bytes -= held.payload.length;
    }
    return held;
  }

  override clear(): string[] {
    this.#events.clear();
    this.#bytes = 0;
    return super.clear();
  }
}
