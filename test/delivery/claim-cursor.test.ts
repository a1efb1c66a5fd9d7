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
    c.claimed(null, rows([5, 'dlv_a'], [7, 'dlv_b']), 0, false);
    assert.deepEqual(c.start(10), { at: 7, id: 'dlv_b' });
    c.claimed({ at: 7, id: 'dlv_b' }, rows([7, 'dlv_c']), 10, false);
    assert.deepEqual(c.start(20), { at: 7, id: 'dlv_c' });
  });

  test('a claim that found nothing keeps the place', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, false);
    c.claimed({ at: 5, id: 'dlv_a' }, [], 10, false);
    assert.deepEqual(c.start(20), { at: 5, id: 'dlv_a' });
  });

  test('a rescan from the head at least every rescanMs', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, false);
    assert.notEqual(c.start(999), null);
    assert.equal(c.start(1000), null, 'rows no wake announces (lapsed leases) are found');
    c.claimed(null, rows([9, 'dlv_b']), 1000, false);
    assert.deepEqual(c.start(1500), { at: 9, id: 'dlv_b' });
  });

  test('a claim that left tenants or hooks out starts the next one at the head', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, false);
    c.claimed({ at: 5, id: 'dlv_a' }, rows([6, 'dlv_b']), 10, true);
    assert.equal(c.start(20), null);
  });

  test('rows committed due at or before the place reset it; rows due after it do not', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, false);
    c.committed(6);
    assert.deepEqual(c.start(10), { at: 5, id: 'dlv_a' }, 'due after the place: the cursor finds them');
    c.committed(5);
    assert.equal(c.start(10), null, 'due at the place: maybe behind it');
  });

  test('reset starts the next claim at the head', () => {
    const c = new ClaimCursor(1000);
    c.claimed(null, rows([5, 'dlv_a']), 0, false);
    c.reset();
    assert.equal(c.start(10), null);
  });
});
