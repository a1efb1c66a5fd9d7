import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isReservedHeader,
  orderKeyOf,
  pointerProblem,
  resolvePointer,
} from '../../src/domain/hook-options.ts';
import { MAX_AHEAD_US, slotIntervalUs, take } from '../../src/domain/rate-limit.ts';
import { claimableHeads } from '../../src/store/shared/fifo.ts';

describe('hook options: pure rules', () => {
  test('reserved header names, whatever their case', () => {
    const cases: Array<[string, boolean]> = [
      ['Content-Type', true],
      ['content-length', true],
      ['Host', true],
      ['User-Agent', true],
      ['AUTHORIZATION', true],
      ['Signature', true],
      ['traceparent', true],
      ['Webhook-Id', true],
      ['webhook-anything', true],
      ['X-Webhook-Id', false],
      ['X-Api-Key', false],
      ['tracestate', false],
    ];
    for (const [name, reserved] of cases) assert.equal(isReservedHeader(name), reserved, name);
  });

  test('JSON Pointers: what is refused and what they name', () => {
    const doc = { data: { projectID: 'p', 'a/b': 1, 'm~n': 2, list: ['x', 'y'] } };
    const cases: Array<[string, string | null, unknown]> = [
      ['/data/projectID', null, 'p'],
      ['/data/a~1b', null, 1],
      ['/data/m~0n', null, 2],
      ['/data/list/1', null, 'y'],
      ['/data/list/01', null, undefined],
      ['/data/missing', null, undefined],
      ['/data/projectID/deeper', null, undefined],
      ['data/projectID', 'must start with "/" (a JSON Pointer, e.g. /data/projectID)', undefined],
      ['/data/bad~2', 'has a "~" that is not "~0" or "~1"', undefined],
    ];
    for (const [pointer, problem, value] of cases) {
      assert.equal(pointerProblem(pointer), problem, pointer);
      if (problem === null) assert.deepEqual(resolvePointer(doc, pointer), value, pointer);
    }
  });

  test('FIFO queue keys', () => {
    const env = { eventID: 'e', data: { projectID: 'p1', n: 7, o: { a: 1 }, long: 'x'.repeat(300) } };
    const cases: Array<[string | null, string | RegExp]> = [
      [null, ''],
      ['/data/projectID', 'p1'],
      ['/data/n', '7'],
      ['/data/o', '{"a":1}'],
      ['/data/missing', ''],
      ['/data/long', /^sha256:[0-9a-f]{64}$/],
    ];
    for (const [pointer, key] of cases) {
      const got = orderKeyOf(env, pointer);
      if (key instanceof RegExp) assert.match(got, key);
      else assert.equal(got, key, String(pointer));
    }
  });

  test('rate admissions (GCRA): at most one per interval, never a burst after idling', () => {
    const i = slotIntervalUs(20);
    assert.equal(i, 52_632, '20/s, aiming at 95 % of the limit');
    assert.equal(slotIntervalUs(10_000), 105);
    const now = 1_000_000;
    const cases: Array<[number | null, number, number, number, number]> = [
      // [next free slot, now, waiting] → admitted, next free slot after
      [null, now, 1, 1, now + i],
      [now - 10 * i, now, 1, 1, now + i],
      [now, now, 3, 1, now + i],
      [now + i / 2, now, 1, 1, now + i / 2 + i],
      [now + i / 2 + 1, now, 1, 0, now + i / 2 + 1],
      [now + i, now, 1, 0, now + i],
      [now + 10 * MAX_AHEAD_US, now, 1, 1, now + i],
    ];
    for (const [next, at, n, granted, after] of cases)
      assert.deepEqual(take(next, at, i, n), { granted, nextAtUs: after });
    // 1,000/s: 20 ms of tolerance lets 21 go at once, then one a millisecond.
    assert.deepEqual(take(null, now, 1000, 50), { granted: 21, nextAtUs: now + 21_000 });
    assert.deepEqual(take(now + 21_000, now + 2_000, 1000, 50), { granted: 2, nextAtUs: now + 23_000 });
  });

  test('FIFO heads: the oldest pending of each queue, and every unordered delivery', () => {
    const d = (id: string, hookId: string | null, orderKey?: string | null) => ({ id, hookId, orderKey });
    const pending = [
      d('dlv_05', 'hook_a', ''),
      d('dlv_02', 'hook_a', ''),
      d('dlv_03', 'hook_a', 'k1'),
      d('dlv_04', 'hook_b', ''),
      d('dlv_01', 'hook_c'),
      d('dlv_06', null, null),
      d('dlv_07', 'hook_a', 'k1'),
    ];
    assert.deepEqual(
      claimableHeads(pending).map((x) => x.id),
      ['dlv_02', 'dlv_03', 'dlv_04', 'dlv_01', 'dlv_06'],
    );
  });
});
