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
 * Whether `value` nests objects or arrays deeper than `max` levels. Iterative, so it cannot
 * overflow the stack itself, and it stops at the first branch too deep.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children)
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
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
