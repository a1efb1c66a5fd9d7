import type { ClaimedDelivery } from '../domain/types.ts';

/**
 * The deliveries a worker holds (waiting for a slot or in flight) and what they cost in
 * memory: each distinct event's payload counted once while any of its deliveries is held,
 * since they share one payload string (the publisher hands them over so, and claimDue dedupes
 * by event). Lengths are string lengths: bytes for the ASCII JSON Herald writes.
 */
export class HeldWork {
  readonly #byId = new Map<string, ClaimedDelivery>();
  /** Event row id → how many of its deliveries are held. */
  readonly #events = new Map<string, number>();
  #bytes = 0;

  get size(): number {
    return this.#byId.size;
  }

  /** Payload bytes held, each event once. */
  get bytes(): number {
    return this.#bytes;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  /** What holding `c` would add: nothing when another delivery of its event is held. */
  costOf(c: ClaimedDelivery): number {
    return this.#events.has(c.delivery.eventRowId) ? 0 : c.payload.length;
  }

  add(c: ClaimedDelivery): void {
    if (this.#byId.has(c.delivery.id)) return;
    this.#byId.set(c.delivery.id, c);
    const ev = c.delivery.eventRowId;
    const n = this.#events.get(ev) ?? 0;
    if (n === 0) this.#bytes += c.payload.length;
    this.#events.set(ev, n + 1);
  }

  delete(c: ClaimedDelivery): void {
    const held = this.#byId.get(c.delivery.id);
    if (!held) return;
    this.#byId.delete(c.delivery.id);
    const ev = held.delivery.eventRowId;
    const n = (this.#events.get(ev) ?? 1) - 1;
    if (n > 0) this.#events.set(ev, n);
    else {
      this.#events.delete(ev);
      this.#bytes -= held.payload.length;
    }
  }

  /** Forgets everything; returns the ids that were held. */
  clear(): string[] {
    const ids = this.ids();
    this.#byId.clear();
    this.#events.clear();
    this.#bytes = 0;
    return ids;
  }
}
