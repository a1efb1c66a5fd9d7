import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClaimCursor } from '../../src/delivery/claim-cursor.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';

/** Claimed rows as the cursor reads them: id and next attempt time, in queue order. */
const rows = (...places: Array<[number, string]>): ClaimedDelivery[] =>
  places.map(([at, id]) => ({ delivery: { id, nextAttemptAt: at } }) as unknown as ClaimedDelivery);

describe('ClaimCursor', () => {
  test('the first claim starts at the head; the next after the last row it took', () => {
    const c = new ClaimCursor(1000);
    assert.equal(c.start(0), null);
    c.claimed(null, rows([5, 'dlv_a'], [7, 'dlv_b']), 0);
    assert.deepEqual(c.start(10), { at: 7, id: 'dlv_b' });
    c.claimed({ at: 7, id: 'dlv_b' }, rows([7, 'dlv_c']), 10);
    assert.deepEqual(c.start(20), { at: 7, id: 'dlv_c' });
  });

  test('a claim that found nothing keeps the place', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0);
    c.claimed({ at: 5, id: 'dlv_a' }, [], 10);
    assert.deepEqual(c.start(20), { at: 5, id: 'dlv_a' });
  });

  test('a rescan from the head at least every rescanMs', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0);
    assert.notEqual(c.start(999), null);
    assert.equal(c.start(1000), null, 'rows no wake announces (lapsed leases) are found');
    c.claimed(null, rows([9, 'dlv_b']), 1000);
    assert.deepEqual(c.start(1500), { at: 9, id: 'dlv_b' });
  });

  test('while a claim leaves the same tenants or hooks out, the next starts after the last row', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0);
    c.claimed({ at: 5, id: 'dlv_a' }, rows([6, 'dlv_b']), 10, ['hook_slow']);
    assert.deepEqual(
      c.start(20, ['hook_slow']),
      { at: 6, id: 'dlv_b' },
      'its rows behind would be walked in vain',
    );
    assert.deepEqual(c.start(20, ['hook_slow', 'ten_b']), { at: 6, id: 'dlv_b' });
  });

  test('once a tenant or hook left out is no longer left out, the next claim starts at the head', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, ['ten_a']);
    c.claimed({ at: 5, id: 'dlv_a' }, rows([6, 'dlv_b']), 10, ['hook_slow']);
    assert.equal(c.start(20, ['hook_slow']), null, 'ten_a has room again: its rows are behind');
    c.claimed(null, rows([1, 'dlv_c']), 20, ['hook_slow']);
    assert.deepEqual(c.start(30, ['hook_slow']), { at: 1, id: 'dlv_c' });
    assert.equal(c.start(30, []), null, 'hook_slow has room again');
  });

  test('a claim from the head forgets who earlier claims left out', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, ['ten_a']);
    assert.equal(c.start(1000, ['ten_a']), null, 'rescan');
    c.claimed(null, rows([7, 'dlv_b']), 1000);
    assert.deepEqual(c.start(1010), { at: 7, id: 'dlv_b' });
  });

  test('rows committed due at or before the place reset it; rows due after it do not', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0);
    c.committed(6);
    assert.deepEqual(c.start(10), { at: 5, id: 'dlv_a' }, 'due after the place: the cursor finds them');
    c.committed(5);
    assert.equal(c.start(10), null, 'due at the place: maybe behind it');
  });

  test('reset starts the next claim at the head', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0);
    c.reset();
    assert.equal(c.start(10), null);
  });
});
