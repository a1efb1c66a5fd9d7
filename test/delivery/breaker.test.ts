import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Breaker, type AttemptKind } from '../../src/delivery/breaker.ts';

const OPTS = { max: 64, openAfter: 4, baseBackoffMs: 1000, maxBackoffMs: 8000 };

/** [kind, startedAt, now] → expected state, limit (after the step), cap at `now`. */
type Step =
  ['start', number] | [AttemptKind, number, number, { state: string; limit?: number; cap?: number }];

interface Case {
  name: string;
  steps: Step[];
}

const u = 'unreachable' as const;
const a = 'answered' as const;

const CASES: Case[] = [
  {
    name: 'a timeout halves the limit; results of requests started before that decrease do not halve again',
    steps: [
      [u, 0, 10, { state: 'closed', limit: 32 }],
      [u, 5, 11, { state: 'closed', limit: 32 }],
      [u, 12, 20, { state: 'closed', limit: 16 }],
    ],
  },
  {
    name: 'success adds one, up to the hook cap',
    steps: [
      [u, 0, 10, { state: 'closed', limit: 32 }],
      [a, 11, 12, { state: 'closed', limit: 33 }],
      [a, 11, 13, { state: 'closed', limit: 34 }],
    ],
  },
  {
    name: 'the limit never goes below 1',
    steps: [
      [u, 0, 1, { state: 'closed', limit: 32 }],
      [a, 1, 2, { state: 'closed', limit: 33 }],
      [u, 2, 3, { state: 'closed', limit: 16 }],
      [a, 3, 4, { state: 'closed', limit: 17 }],
      [u, 4, 5, { state: 'closed', limit: 8 }],
      [a, 5, 6, { state: 'closed', limit: 9 }],
      [u, 6, 7, { state: 'closed', limit: 4 }],
      [a, 7, 8, { state: 'closed', limit: 5 }],
      [u, 8, 9, { state: 'closed', limit: 2 }],
      [a, 9, 10, { state: 'closed', limit: 3 }],
      [u, 10, 11, { state: 'closed', limit: 1 }],
      [a, 11, 12, { state: 'closed', limit: 2 }],
      [u, 12, 13, { state: 'closed', limit: 1 }],
      [a, 13, 14, { state: 'closed', limit: 2 }],
      [u, 14, 15, { state: 'closed', limit: 1 }],
    ],
  },
  {
    name: 'N consecutive failures open it: nothing goes out until the backoff ends, then one probe',
    steps: [
      [u, 0, 10, { state: 'closed' }],
      [u, 0, 10, { state: 'closed' }],
      [u, 0, 10, { state: 'closed' }],
      [u, 0, 10, { state: 'open', cap: 0 }],
      ['start', 1010],
      [u, 1010, 1500, { state: 'open', cap: 0 }],
    ],
  },
  {
    name: 'a failed probe opens it again for twice as long, up to the maximum',
    steps: [
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'open' }],
      ['start', 1000],
      [u, 1000, 1100, { state: 'open', cap: 0 }],
      ['start', 3100],
      [u, 3100, 3200, { state: 'open' }],
      ['start', 7200],
      [u, 7200, 7300, { state: 'open' }],
      ['start', 15300],
      [u, 15300, 15400, { state: 'open', cap: 0 }],
    ],
  },
  {
    name: 'a successful probe closes it at limit 1, and it grows from there',
    steps: [
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'open' }],
      ['start', 1000],
      [a, 1000, 1100, { state: 'closed', limit: 1, cap: 1 }],
      [a, 1100, 1200, { state: 'closed', limit: 2, cap: 2 }],
    ],
  },
  {
    name: 'an HTTP answer (any status) resets the failure streak',
    steps: [
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [a, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'open' }],
    ],
  },
  {
    name: 'an old request failing while the probe is out is not the probe',
    steps: [
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'closed' }],
      [u, 0, 0, { state: 'open' }],
      ['start', 1000],
      [u, 0, 1050, { state: 'probing', cap: 0 }],
    ],
  },
];

describe('Breaker', () => {
  for (const c of CASES) {
    test(c.name, () => {
      const b = new Breaker(OPTS);
      for (const step of c.steps) {
        if (step[0] === 'start') {
          b.started(step[1]);
          continue;
        }
        const [kind, startedAt, now, want] = step;
        b.finished(kind, startedAt, now);
        const seen: Record<string, unknown> = { state: b.state };
        if (want.limit !== undefined) seen.limit = b.limit;
        if (want.cap !== undefined) seen.cap = b.cap(now);
        assert.deepEqual(seen, want, `after ${kind} started ${startedAt} at ${now}`);
      }
    });
  }

  test('parkUntil: the backoff end while open, a probe window while probing, null when closed', () => {
    const b = new Breaker(OPTS);
    assert.equal(b.parkUntil(0, 500), null);
    for (let i = 0; i < 4; i++) b.finished('unreachable', 0, 100);
    assert.equal(b.parkUntil(200, 500), 1100);
    assert.equal(b.parkUntil(1100, 500), null, 'backoff over: held work may go (the first is the probe)');
    assert.equal(b.cap(1100), 1);
    b.started(1100);
    assert.equal(b.parkUntil(1200, 500), 1700);
  });

  test('pristine after recovering to the full limit', () => {
    const b = new Breaker({ ...OPTS, max: 2 });
    assert.equal(b.pristine, true);
    b.finished('unreachable', 0, 1);
    assert.equal(b.pristine, false);
    b.finished('answered', 2, 3);
    assert.equal(b.pristine, true);
  });
});
