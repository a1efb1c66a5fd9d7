/**
 * Limits on an event's `data`, checked before any recursive work on it (schema validation,
 * JSON.stringify): a value nested thousands deep overflows the stack of both, and a huge one
 * is held in memory by every stage after this.
 */

/** Deepest nesting of objects and arrays accepted in `data` (`data` itself is level 1). */
export const MAX_DATA_DEPTH = 64;

/** Default of HERALD_MAX_EVENT_BYTES: 1 MiB of serialised `data`, ~1,000 Tenon issues. */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Whether `value` nests objects or arrays deeper than `max` levels. It recurses at most `max + 1`
 * calls deep (it stops at the first branch too deep), so data nested 100,000 levels cannot
 * overflow the stack; and it allocates nothing, as it runs on every published event.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  return value !== null && typeof value === 'object' && deeper(value, max);
}

/** Whether `v`, at a level where `left` more levels (itself included) are allowed, goes deeper. */
function deeper(v: object, left: number): boolean {
  if (left <= 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const c: unknown = v[i];
      if (c !== null && typeof c === 'object' && deeper(c, left - 1)) return true;
    }
    return false;
  }
  // for-in rather than Object.values: no array per object. Data parsed from JSON (or built as a
  // literal) inherits no enumerable keys; one that did would only be checked more strictly.
  for (const k in v) {
    const c: unknown = (v as Record<string, unknown>)[k];
    if (c !== null && typeof c === 'object' && deeper(c, left - 1)) return true;
  }
  return false;
}

/**
 * The exact request body Herald POSTs: the envelope stringified as one value, so `data` is
 * serialised once, into the payload itself, not into a string of its own that is then copied
 * behind the envelope's head.
 */
export function envelopeJson(eventID: string, event: string, dateAdded: number, data: unknown): string {
  return JSON.stringify({ eventID, event, dateAdded, data });
}

/**
 * The UTF-8 bytes of `data` serialised, when they are more than `limit`; else null. `data` is the
 * envelope JSON's tail, after the first `,"data":` (a string of the head cannot hold one: its
 * quotes are escaped). A UTF-16 unit takes at most 3 bytes, so most events need no count.
 */
export function dataBytesOver(envelope: string, limit: number): number | null {
  const start = envelope.indexOf(',"data":') + 8;
  if ((envelope.length - 1 - start) * 3 <= limit) return null;
  const bytes = Buffer.byteLength(envelope, 'utf8') - Buffer.byteLength(envelope.slice(0, start), 'utf8') - 1;
  return bytes > limit ? bytes : null;
}
