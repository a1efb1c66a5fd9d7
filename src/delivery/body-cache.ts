import { releasedPayload } from './reclaim.ts';

/**
 * The request body of each event, encoded once and shared by every attempt in flight for it.
 * undici would otherwise turn the payload string into a new Buffer per request and keep it until
 * the receiver answers: one 5 MB event fanned out to 20 slow hooks held 100 MB. Entries are
 * counted by the attempts using them and dropped with the last one, so nothing outlives a burst.
 */
export class BodyCache {
  readonly #entries = new Map<string, { body: Buffer; users: number }>();

  /** The bytes of `payload` for event `eventRowId`; pair with release(eventRowId). */
  acquire(eventRowId: string, payload: string): Buffer {
    const entry = this.#entries.get(eventRowId);
    if (entry) {
      entry.users++;
      return entry.body;
    }
    const body = Buffer.from(payload, 'utf8');
    this.#entries.set(eventRowId, { body, users: 1 });
    return body;
  }

  release(eventRowId: string): void {
    const entry = this.#entries.get(eventRowId);
    if (!entry) return;
    if (--entry.users > 0) return;
    this.#entries.delete(eventRowId);
    releasedPayload(entry.body.length);
  }

  /** Events whose bytes are held now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held now (what the worker's byte bound can count, together with queued payloads). */
  get bytes(): number {
    let n = 0;
    for (const e of this.#entries.values()) n += e.body.length;
    return n;
  }
}
