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
 * The exact request body Herald POSTs, from `data` already serialised (by the size check), so
 * a large event is stringified once. Same bytes as JSON.stringify of the envelope object.
 */
export function envelopeJson(eventID: string, event: string, dateAdded: number, dataJson: string): string {
  return `{"eventID":${JSON.stringify(eventID)},"event":${JSON.stringify(event)},"dateAdded":${dateAdded},"data":${dataJson}}`;
}
