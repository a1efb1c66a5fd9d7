import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClaimedDelivery } from '../../src/domain/types.ts';
import { HeldWork } from '../../src/delivery/held.ts';
import { createLogger } from '../../src/log.ts';

const book = () =>
  new HeldWork({
    owner: 'w1',
    leaseMs: 30_000,
    what: 'deliveries',
    log: createLogger('silent'),
    leases: { extend: async () => 0, release: async () => undefined },
    workers: {
      registerWorker: async () => {},
      heartbeatWorker: async () => {},
      unregisterWorker: async () => {},
    },
  });

const claimed = (id: string, eventRowId: string, payload: string): ClaimedDelivery =>
  ({
    delivery: { id, eventRowId },
    payload,
    eventType: 'site.created',
    hook: null,
  }) as unknown as ClaimedDelivery;

test('held bytes count each event once while any of its deliveries is held', () => {
  const held = book();
  const a1 = claimed('d1', 'e1', 'x'.repeat(100));
  const a2 = claimed('d2', 'e1', 'x'.repeat(100));
  const b1 = claimed('d3', 'e2', 'y'.repeat(10));
  assert.equal(held.costOf(a1), 100);
  held.hold(a1);
  assert.equal(held.costOf(a2), 0, 'a second delivery of a held event costs nothing');
  held.hold(a2);
  held.hold(a2);
  held.hold(b1);
  assert.deepEqual([held.size, held.bytes], [3, 110]);
  held.forget(a1);
  assert.equal(held.bytes, 110, 'e1 is still held through d2');
  held.forget(a2);
  held.forget(a2);
  assert.deepEqual([held.size, held.bytes], [1, 10]);
  assert.deepEqual(held.clear(), ['d3']);
  assert.deepEqual([held.size, held.bytes], [0, 0]);
});
