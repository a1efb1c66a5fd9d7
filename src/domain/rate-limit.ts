/**
 * Per-hook rate limits (issue 17) as a generic cell rate algorithm: each hook has one "next free
 * slot" time; a send reserves the slots after it, one every 1/rate s, and waits for its own.
 * Sends are therefore spaced evenly, never bunched: with rateLimit r, any 1 s window holds at
 * most r + 1 starts. The slot times live in the database, so the limit holds across workers.
 */

/** A reservation never starts more than this far ahead of now: a worker whose clock ran ahead
 * cannot starve the hook for longer (legitimate reservations are a few in-flight requests). */
export const MAX_AHEAD_US = 60_000_000;

/** The spacing of a hook's sends, in microseconds. */
export function slotIntervalUs(rate: number): number {
  return Math.max(1, Math.round(1_000_000 / rate));
}

/**
 * Reserves `n` slots: the hook's next free slot moves from `nextAtUs` (null: never used) to the
 * returned `nextAtUs`, and the reserved slots start at `slotsUs`. This is what the store's
 * statement does atomically; the worker only ever sees the new `nextAtUs` (see slotsBefore).
 */
export function reserve(
  nextAtUs: number | null,
  nowUs: number,
  n: number,
  intervalUs: number,
): { nextAtUs: number; slotsUs: number[] } {
  const start = Math.max(Math.min(nextAtUs ?? nowUs, nowUs + MAX_AHEAD_US), nowUs);
  const after = start + n * intervalUs;
  return { nextAtUs: after, slotsUs: slotsBefore(after, n, intervalUs) };
}

/** The `n` slots that end at `nextAtUs` (the answer of a reservation), earliest first. */
export function slotsBefore(nextAtUs: number, n: number, intervalUs: number): number[] {
  return Array.from({ length: n }, (_, i) => nextAtUs - (n - i) * intervalUs);
}
