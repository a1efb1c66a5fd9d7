/**
 * Retry scheduling (pure functions; times are epoch milliseconds, schedule entries are seconds).
 *
 * A retry schedule is a list of delays in seconds, one per attempt. Entry i is the delay before
 * attempt i+1, measured from the moment attempt i finished (entry 0 is measured from when the
 * delivery was created; it is 0 in the default schedule, i.e. "attempt at once"). A schedule of
 * length N therefore allows N attempts in total.
 *
 * `schedulePos` (stored on each delivery) is the index of the schedule entry that scheduled the
 * delivery's pending attempt — equivalently, "attempt number minus one" of the next attempt to make.
 * A new delivery has `schedulePos` 0 and `nextAttemptAt = createdAt + schedule[0]` (= now).
 * When the attempt made at position p fails, {@link nextRetry} is called with `schedulePos: p` and
 * returns position p+1 and the time for the next attempt, or null when p+1 is past the end of the
 * schedule (the delivery has failed for good). On success the position is left as it is.
 */

/** Attempt 1 at once, then retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts, ~27.6 h). */
export const DEFAULT_RETRY_SCHEDULE_SEC: readonly number[] = Object.freeze([
  0, 5, 300, 1800, 7200, 18000, 36000, 36000,
]);

/** Largest delay accepted in a schedule: 30 days. */
export const MAX_RETRY_DELAY_SEC = 30 * 24 * 3600;

/**
 * Parse a comma-separated list of delays in whole seconds, e.g. `"0,5,300,1800"`.
 * Whitespace around entries is ignored. Throws an Error naming the bad entry for empty lists, empty
 * entries, non-integers, negative numbers or delays above 30 days.
 */
export function parseRetrySchedule(csv: string): number[] {
  if (typeof csv !== 'string' || csv.trim() === '') {
    throw new Error('Retry schedule must be a non-empty comma-separated list of delays in seconds');
  }
  const parts = csv.split(',');
  return parts.map((raw, i) => {
    const entry = raw.trim();
    if (entry === '') {
      throw new Error(`Invalid retry schedule "${csv}": entry ${i + 1} is empty`);
    }
    if (!/^\d+$/.test(entry)) {
      throw new Error(
        `Invalid retry schedule "${csv}": entry ${i + 1} ("${entry}") must be a whole number of seconds >= 0`,
      );
    }
    const sec = Number(entry);
    if (sec > MAX_RETRY_DELAY_SEC) {
      throw new Error(
        `Invalid retry schedule "${csv}": entry ${i + 1} (${entry} s) exceeds the maximum of ${MAX_RETRY_DELAY_SEC} s (30 days)`,
      );
    }
    return sec;
  });
}

export interface NextRetryInput {
  schedule: readonly number[];
  /** Position of the attempt that just failed (see module doc). */
  schedulePos: number;
  /** Relative jitter applied to scheduled delays: the delay is scaled by a factor in [1-j, 1+j]. Default 0.2. */
  jitter?: number;
  /** Source of randomness in [0, 1). Default Math.random. */
  random?: () => number;
  /** Server-requested delay (from Retry-After, see {@link parseRetryAfter}); null/undefined if none. */
  retryAfterMs?: number | null;
  /** Upper bound for a Retry-After delay; larger values are clamped to it. */
  retryAfterMaxMs: number;
  /** Current time, epoch ms. */
  now: number;
}

/**
 * When to make the next attempt after the attempt at `schedulePos` failed.
 * Returns null when the schedule is used up. Otherwise the delay is `schedule[schedulePos + 1]`
 * seconds with ±`jitter` (uniform), unless the server sent a Retry-After: a value in
 * [0, retryAfterMaxMs] replaces the scheduled delay exactly (no jitter), a larger one is clamped to
 * retryAfterMaxMs. Retry-After never extends the number of attempts.
 */
export function nextRetry(input: NextRetryInput): { nextAttemptAt: number; schedulePos: number } | null {
  const { schedule, schedulePos, now, retryAfterMaxMs } = input;
  const jitter = input.jitter ?? 0.2;
  const random = input.random ?? Math.random;
  if (!Number.isInteger(schedulePos) || schedulePos < 0) {
    throw new Error(`schedulePos must be a non-negative integer, got ${schedulePos}`);
  }
  const pos = schedulePos + 1;
  const scheduledSec = schedule[pos];
  if (scheduledSec === undefined) return null;

  const retryAfterMs = input.retryAfterMs;
  let delayMs: number;
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    delayMs = Math.min(retryAfterMs, Math.max(0, retryAfterMaxMs));
  } else {
    const j = Math.min(Math.max(jitter, 0), 1);
    const factor = 1 + j * (2 * random() - 1);
    delayMs = scheduledSec * 1000 * factor;
  }
  return { nextAttemptAt: now + Math.max(0, Math.round(delayMs)), schedulePos: pos };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MON = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: IMF-fixdate, obsolete RFC 850 and asctime formats.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MON} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MON}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function utc(year: number, mon: string, day: number, h: number, m: number, s: number): number | null {
  const month = MONTHS.indexOf(mon);
  if (month < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60) return null;
  const t = Date.UTC(year, month, day, h, m, Math.min(s, 59));
  // Reject dates like 31 Feb that Date.UTC would roll over.
  if (new Date(t).getUTCDate() !== day) return null;
  return t;
}

function parseHttpDate(value: string, now: number): number | null {
  let m = IMF_FIXDATE.exec(value);
  if (m) return utc(Number(m[3]), m[2] as string, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = RFC850.exec(value);
  if (m) {
    // Two-digit year: RFC 9110 says interpret a year more than 50 years in the future as the past century.
    const yy = Number(m[3]);
    const thisYear = new Date(now).getUTCFullYear();
    let year = Math.floor(thisYear / 100) * 100 + yy;
    if (year > thisYear + 50) year -= 100;
    return utc(year, m[2] as string, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  }
  m = ASCTIME.exec(value);
  if (m) {
    return utc(
      Number(m[6]),
      m[1] as string,
      Number((m[2] as string).trim()),
      Number(m[3]),
      Number(m[4]),
      Number(m[5]),
    );
  }
  return null;
}

/**
 * Parse a Retry-After header into a delay in ms relative to `now` (epoch ms).
 *  - delta-seconds (`"120"`) → 120000;
 *  - an HTTP-date (IMF-fixdate, RFC 850 or asctime) → its distance from now, 0 if already past;
 *  - absent, empty or anything else (negative, fractional, other date formats) → null.
 * No upper bound is applied here; {@link nextRetry} clamps to the configured maximum.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  if (/^\d+$/.test(v)) {
    const ms = Number(v) * 1000;
    return Number.isSafeInteger(ms) ? ms : null;
  }
  const at = parseHttpDate(v, now);
  if (at === null) return null;
  return Math.max(0, at - now);
}
