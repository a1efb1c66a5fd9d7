import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_RETRY_SCHEDULE_SEC,
  nextRetry,
  parseRetryAfter,
  parseRetrySchedule,
} from '../../src/domain/retry.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // Wed, 15 Jan 2025 12:00:00 GMT
const MAX = 3_600_000; // 1 h Retry-After cap

describe('DEFAULT_RETRY_SCHEDULE_SEC', () => {
  test('attempt 1 at once, then 7 retries', () => {
    assert.deepEqual([...DEFAULT_RETRY_SCHEDULE_SEC], [0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    assert.throws(() => (DEFAULT_RETRY_SCHEDULE_SEC as number[]).push(1), TypeError);
  });
});

describe('parseRetrySchedule', () => {
  const OK: [string, number[]][] = [
    ['0,5,300', [0, 5, 300]],
    [' 0 , 5 ,300 ', [0, 5, 300]],
    ['10', [10]],
    ['0', [0]],
    [DEFAULT_RETRY_SCHEDULE_SEC.join(','), [...DEFAULT_RETRY_SCHEDULE_SEC]],
    ['2592000', [2592000]],
  ];
  for (const [csv, expected] of OK) {
    test(`parses ${JSON.stringify(csv)}`, () => assert.deepEqual(parseRetrySchedule(csv), expected));
  }
  const BAD: [string, RegExp][] = [
    ['', /non-empty/],
    ['   ', /non-empty/],
    ['0,,5', /entry 2 is empty/],
    ['0,5,', /entry 3 is empty/],
    ['0,-5', /entry 2 \("-5"\)/],
    ['0,1.5', /entry 2 \("1.5"\)/],
    ['0,5s', /entry 2 \("5s"\)/],
    ['abc', /entry 1 \("abc"\)/],
    ['0;5', /entry 1 \("0;5"\)/],
    ['1e3', /entry 1 \("1e3"\)/],
    ['0x10', /entry 1 \("0x10"\)/],
    ['2592001', /exceeds the maximum/],
  ];
  for (const [csv, re] of BAD) {
    test(`rejects ${JSON.stringify(csv)}`, () => assert.throws(() => parseRetrySchedule(csv), re));
  }
});

describe('nextRetry', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_SEC;
  const mid = () => 0.5; // factor exactly 1
  // [failed schedulePos, random value, expected delay ms, expected new pos] with jitter 0.2
  const CASES: [number, number, number, number][] = [
    [0, 0.5, 5_000, 1],
    [0, 0, 4_000, 1], // -20%
    [0, 0.999999999, 6_000, 1], // ~+20%
    [1, 0.5, 300_000, 2],
    [1, 0, 240_000, 2],
    [1, 0.75, 330_000, 2], // +10%
    [2, 0.5, 1_800_000, 3],
    [3, 0.25, 6_480_000, 4], // 7200 s -10%
    [4, 0.5, 18_000_000, 5],
    [5, 0.5, 36_000_000, 6],
    [6, 0, 28_800_000, 7],
  ];
  for (const [pos, r, delay, newPos] of CASES) {
    test(`after pos ${pos} with random ${r} → +${delay} ms, pos ${newPos}`, () => {
      assert.deepEqual(
        nextRetry({ schedule, schedulePos: pos, random: () => r, retryAfterMaxMs: MAX, now: NOW }),
        {
          nextAttemptAt: NOW + delay,
          schedulePos: newPos,
        },
      );
    });
  }

  test('null once the schedule is used up (8 attempts in total)', () => {
    assert.equal(nextRetry({ schedule, schedulePos: 7, retryAfterMaxMs: MAX, now: NOW }), null);
    assert.equal(nextRetry({ schedule, schedulePos: 99, retryAfterMaxMs: MAX, now: NOW }), null);
    assert.equal(nextRetry({ schedule: [0], schedulePos: 0, retryAfterMaxMs: MAX, now: NOW }), null);
    // walking the whole schedule: 7 retries after the first attempt
    let pos = 0;
    let retries = 0;
    for (;;) {
      const n = nextRetry({ schedule, schedulePos: pos, random: mid, retryAfterMaxMs: MAX, now: NOW });
      if (!n) break;
      pos = n.schedulePos;
      retries++;
    }
    assert.equal(retries, 7);
    assert.equal(pos, 7);
  });

  test('Retry-After never extends the schedule', () => {
    assert.equal(
      nextRetry({ schedule, schedulePos: 7, retryAfterMs: 1000, retryAfterMaxMs: MAX, now: NOW }),
      null,
    );
  });

  test('jitter stays within ±20% over many draws', () => {
    for (let i = 0; i < 1000; i++) {
      const n = nextRetry({ schedule, schedulePos: 1, retryAfterMaxMs: MAX, now: NOW });
      assert.ok(n);
      const d = n.nextAttemptAt - NOW;
      assert.ok(d >= 240_000 && d <= 360_000, String(d));
    }
  });

  test('custom jitter; jitter 0 gives the exact schedule', () => {
    assert.equal(
      nextRetry({ schedule, schedulePos: 1, jitter: 0, random: () => 0, retryAfterMaxMs: MAX, now: NOW })
        ?.nextAttemptAt,
      NOW + 300_000,
    );
    assert.equal(
      nextRetry({ schedule, schedulePos: 1, jitter: 0.5, random: () => 0, retryAfterMaxMs: MAX, now: NOW })
        ?.nextAttemptAt,
      NOW + 150_000,
    );
  });

  test('a zero delay in the schedule stays zero', () => {
    assert.deepEqual(
      nextRetry({ schedule: [0, 0, 10], schedulePos: 0, random: () => 0.9, retryAfterMaxMs: MAX, now: NOW }),
      { nextAttemptAt: NOW, schedulePos: 1 },
    );
  });

  // [retryAfterMs, expected delay]
  const RA: [number | null | undefined, number][] = [
    [120_000, 120_000], // replaces the scheduled 300 s, no jitter
    [0, 0],
    [MAX, MAX],
    [MAX + 1, MAX], // clamped
    [86_400_000, MAX],
    [null, 240_000], // none → scheduled (random 0 → -20%)
    [undefined, 240_000],
    [-5, 240_000], // nonsense → ignored
    [Number.NaN, 240_000],
    [Number.POSITIVE_INFINITY, 240_000],
  ];
  for (const [ra, delay] of RA) {
    test(`Retry-After ${ra} → +${delay} ms`, () => {
      assert.deepEqual(
        nextRetry({
          schedule,
          schedulePos: 1,
          random: () => 0,
          retryAfterMs: ra,
          retryAfterMaxMs: MAX,
          now: NOW,
        }),
        { nextAttemptAt: NOW + delay, schedulePos: 2 },
      );
    });
  }

  test('rejects an invalid schedulePos', () => {
    assert.throws(
      () => nextRetry({ schedule, schedulePos: -1, retryAfterMaxMs: MAX, now: NOW }),
      /schedulePos/,
    );
    assert.throws(
      () => nextRetry({ schedule, schedulePos: 1.5, retryAfterMaxMs: MAX, now: NOW }),
      /schedulePos/,
    );
  });

  test('result times are integers', () => {
    const n = nextRetry({
      schedule,
      schedulePos: 0,
      random: () => 0.123456789,
      retryAfterMaxMs: MAX,
      now: NOW,
    });
    assert.ok(n && Number.isInteger(n.nextAttemptAt));
  });
});

describe('parseRetryAfter', () => {
  const CASES: [string | undefined, number | null][] = [
    [undefined, null],
    ['', null],
    ['   ', null],
    ['0', 0],
    ['120', 120_000],
    [' 120 ', 120_000],
    ['007', 7_000],
    ['86400', 86_400_000],
    // HTTP-dates (NOW = Wed, 15 Jan 2025 12:00:00 GMT)
    ['Wed, 15 Jan 2025 12:02:00 GMT', 120_000], // IMF-fixdate
    ['Thu, 16 Jan 2025 12:00:00 GMT', 86_400_000],
    ['Wednesday, 15-Jan-25 12:00:30 GMT', 30_000], // RFC 850
    ['Wed Jan 15 12:01:00 2025', 60_000], // asctime
    ['Wed Jan  5 12:00:00 2025', 0], // asctime, single-digit day, in the past
    ['Tue, 14 Jan 2025 12:00:00 GMT', 0], // past → retry now
    ['Wed, 15 Jan 2025 12:00:00 GMT', 0],
    // garbage
    ['-1', null],
    ['1.5', null],
    ['1e3', null],
    ['0x10', null],
    ['soon', null],
    ['120 seconds', null],
    ['2025-01-15T12:02:00Z', null], // ISO 8601 is not an HTTP-date
    ['Wed, 15 Jan 2025 12:02:00 UTC', null],
    ['Wed, 15 Jan 2025 25:00:00 GMT', null],
    ['Wed, 31 Feb 2025 12:00:00 GMT', null],
    ['Wed, 15 Foo 2025 12:00:00 GMT', null],
    ['99999999999999999999', null], // not a safe integer of ms
  ];
  for (const [value, expected] of CASES) {
    test(`${JSON.stringify(value)} → ${expected}`, () => {
      assert.equal(parseRetryAfter(value, NOW), expected);
    });
  }
});
