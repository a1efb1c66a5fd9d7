/**
 * Per-hook rate limits (issue 17) as a generic cell rate algorithm (GCRA). Each hook has one
 * "theoretical arrival time", the next free send slot. A send is admitted when that slot is at
 * most half an interval (or 20 ms) away, and moves it one interval on from the later of itself and now;
 * otherwise the sender waits for the slot and asks again. Each admission is decided against the
 * time it is asked at, never against a time reserved earlier, so a late timer or a busy event
 * loop cannot bunch sends: any 1 s window holds at most rate × 0.95 + 1 admissions (a little
 * more above 25/s, see toleranceUs), leaving headroom for what happens after. The slot
 * lives in the database, so the limit holds across workers.
 */

/** A slot further ahead than this comes from a clock that ran ahead: it is reset, not waited for. */
export const MAX_AHEAD_US = 60_000_000;

/**
 * Herald aims at this share of a hook's limit: what happens after an admission (the sender
 * thread, the network, a busy machine) can bring two sends closer than their slots, and the
 * limit is what the receiver sees.
 */
export const RATE_HEADROOM = 0.95;

/**
 * How long after its admission a rate-limited send may still start. Past it, the send goes back
 * unstarted and asks for a new slot: a send held up after admission (a busy event loop, the
 * sender thread's queue for the hook) would otherwise go out bunched with the next ones. Any
 * 1 s window then holds at most the admissions of 1.1 s: rate × 0.95 × 1.1 + 1 attempts.
 */
export const LATE_START_MS = 100;

/** The spacing of a hook's sends, in microseconds. */
export function slotIntervalUs(rate: number): number {
  return Math.max(1, Math.round(1_000_000 / (rate * RATE_HEADROOM)));
}

/**
 * How early a send may take its slot: half an interval, but at least 20 ms, so a high rate is
 * not held back by timer granularity and round trips (it may then send up to 2 % of a second's
 * worth back to back: at most rate × 1.02 + 1 in any second).
 */
export function toleranceUs(intervalUs: number): number {
  return Math.max(Math.floor(intervalUs / 2), 20_000);
}

/**
 * One admission decision for up to `n` waiting sends: the pure form of the store's
 * takeRateSlots statement. `nextAtUs` is the hook's next free slot (null: never used). Returns
 * how many may go now (0 or more; each takes the next slot, so at most 1 + tolerance ÷ interval
 * at once) and the hook's next free slot afterwards (when none may go: the slot to wait for).
 */
export function take(
  nextAtUs: number | null,
  nowUs: number,
  intervalUs: number,
  n = 1,
): { granted: number; nextAtUs: number } {
  const at = nextAtUs === null || nextAtUs > nowUs + MAX_AHEAD_US ? nowUs : Math.max(nextAtUs, nowUs);
  const tolerance = toleranceUs(intervalUs);
  if (at > nowUs + tolerance) return { granted: 0, nextAtUs: at };
  const granted = Math.min(n, Math.floor((nowUs + tolerance - at) / intervalUs) + 1);
  return { granted, nextAtUs: at + granted * intervalUs };
}
