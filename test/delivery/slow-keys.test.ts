import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlowKeys } from '../../src/delivery/slow-keys.ts';

test('slow keys: a moving average of answer times against 100 ms, a new key fast', () => {
  const cases: Array<{ name: string; durations: number[]; slow: boolean }> = [
    { name: 'never seen', durations: [], slow: false },
    { name: 'fast answers', durations: [2, 3, 1, 5, 2], slow: false },
    { name: 'one answer in 1 s', durations: [1000], slow: true },
    { name: 'one 400 ms outlier among fast answers', durations: [2, 2, 400, 2], slow: false },
    { name: 'answers of 150 ms', durations: Array<number>(20).fill(150), slow: true },
    { name: 'answers of 90 ms', durations: Array<number>(50).fill(90), slow: false },
    { name: 'slow, then fast again', durations: [1000, ...Array<number>(12).fill(2)], slow: false },
    { name: 'slow, one fast answer', durations: [1000, 1000, 2], slow: true },
  ];
  for (const c of cases) {
    const keys = new SlowKeys();
    for (const d of c.durations) keys.observe('hook_a', d);
    assert.equal(keys.isSlow('hook_a'), c.slow, c.name);
    assert.equal(keys.isSlow('hook_b'), false, `${c.name}: another key`);
  }
});

test('slow keys: forgetting a key (its hook changed) or every key', () => {
  const keys = new SlowKeys();
  keys.observe('hook_a', 1000);
  keys.observe('hook_b', 1000);
  keys.forget('hook_a');
  assert.equal(keys.isSlow('hook_a'), false);
  assert.equal(keys.isSlow('hook_b'), true);
  keys.forget(null);
  assert.equal(keys.isSlow('hook_b'), false);
});
