import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Attempt } from '../../src/domain/types.ts';
import { decide, kindOf, OVER_SHARE_DEFER_MS, resultOf, type Failure } from '../../src/delivery/failure.ts';
import type { SendOutcome } from '../../src/delivery/send.ts';

const policy = { retrySchedule: [0, 5, 300], retryAfterMaxMs: 3_600_000 };
const now = 1_000_000;

const outcome = (
  status: number | null,
  error: string | null,
  retryAfterMs: number | null = null,
): SendOutcome => ({
  attempt: { responseStatus: status, error, durationMs: 3 } as Attempt,
  ok: status !== null && status < 300,
  retryAfterMs,
});

describe('failure stage: what follows', () => {
  const cases: Array<[string, Failure, number, object]> = [
    [
      'a changed hook: released, claimed again at once',
      { stage: 'pre-delivery', reason: 'hook-changed' },
      0,
      { do: 'release', wakeNow: true },
    ],
    [
      'a full hook: released',
      { stage: 'pre-delivery', reason: 'over-hook-share' },
      0,
      { do: 'release', wakeNow: true },
    ],
    [
      'over the byte cap: released, no wake',
      { stage: 'pre-delivery', reason: 'over-bytes' },
      0,
      { do: 'release', wakeNow: false },
    ],
    [
      'no rate slot: released',
      { stage: 'pre-delivery', reason: 'no-rate-slot' },
      0,
      { do: 'release', wakeNow: true },
    ],
    [
      'given back by the sender: released',
      { stage: 'pre-delivery', reason: 'given-back' },
      0,
      { do: 'release', wakeNow: true },
    ],
    [
      'an open breaker: parked until it may probe',
      { stage: 'pre-delivery', reason: 'breaker-open' },
      0,
      { do: 'park', until: now + 2000 },
    ],
    [
      'a tenant over its share: parked a defer',
      { stage: 'pre-delivery', reason: 'over-tenant-share' },
      0,
      { do: 'park', until: now + OVER_SHARE_DEFER_MS },
    ],
    [
      'an attempt that failed, schedule left: retry',
      { stage: 'attempt', kind: 'answered', retryAfterMs: null },
      0,
      { do: 'retry', schedulePos: 1 },
    ],
    [
      'an attempt that failed at the end of the schedule: fail',
      { stage: 'attempt', kind: 'unreachable', retryAfterMs: null },
      2,
      { do: 'fail' },
    ],
    ['recording failed: kept and written again', { stage: 'post-delivery' }, 0, { do: 'keep' }],
  ];
  for (const [name, failure, schedulePos, expected] of cases)
    test(name, () => {
      const d = decide(failure, { now, schedulePos, breakerUntil: now + 2000 }, policy);
      for (const [k, v] of Object.entries(expected)) assert.equal((d as Record<string, unknown>)[k], v, k);
    });

  test('a retry honours Retry-After within its bound', () => {
    const d = decide(
      { stage: 'attempt', kind: 'answered', retryAfterMs: 60_000 },
      { now, schedulePos: 0 },
      policy,
    );
    assert.equal(d.do, 'retry');
    assert.ok(d.do === 'retry' && d.nextAttemptAt >= now + 60_000);
  });
});

describe('failure stage: the result recorded for an attempt', () => {
  const cases: Array<[string, SendOutcome, number, string, number]> = [
    ['2xx: delivered, position kept', outcome(204, null), 1, 'delivered', 1],
    ['5xx with schedule left: retry at the next position', outcome(503, null), 1, 'retry', 2],
    ['5xx at the end: failed', outcome(503, null), 2, 'failed', 2],
    ['unreachable with schedule left: retry', outcome(null, 'timeout'), 0, 'retry', 1],
  ];
  for (const [name, o, pos, expected, nextPos] of cases)
    test(name, () => {
      const r = resultOf(o, { schedulePos: pos, hookId: 'hook_a' }, now, policy);
      assert.deepEqual([r.outcome, r.schedulePos, r.hookId], [expected, nextPos, 'hook_a']);
      assert.equal(r.nextAttemptAt !== null, expected === 'retry');
    });

  test('the breaker hears "unreachable" only when no answer came', () => {
    assert.equal(kindOf(outcome(500, null)), 'answered');
    assert.equal(kindOf(outcome(null, 'connect ECONNREFUSED')), 'unreachable');
    assert.equal(kindOf(outcome(null, 'cannot build the request: bad header')), 'answered');
  });
});
