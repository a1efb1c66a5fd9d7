import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { slotIntervalUs } from '../../../src/domain/rate-limit.ts';
import type { Delivery } from '../../../src/domain/types.ts';
import { claimableHeads } from '../../../src/store/shared/fifo.ts';
import type { ConformanceTarget } from './fixtures.ts';
import { makeDelivery, makeEvent, makeHook, makeResult, makeTenant, storeTest, T0 } from './fixtures.ts';

const LEASE = 30_000;

/** Issue 17 in the store: the options round-trip, FIFO heads are all a claim takes, rate slots are shared. */
export function hookOptionTests(target: ConformanceTarget): void {
  describe('hook options', () => {
    storeTest(
      target,
      'a hook stores and updates its headers, filter, rate limit and ordering',
      async ({ store }) => {
        const tenant = makeTenant();
        await store.createTenant(tenant);
        const hook = makeHook(tenant.id, {
          headers: { 'X-Tenant': 'acme' },
          filter: { properties: { event: { const: 'site.created' } } },
          rateLimit: 20,
          ordering: 'fifo',
          orderingKey: '/data/projectID',
        });
        await store.createHook(hook);
        assert.deepEqual(await store.getHook(tenant.id, hook.id), hook);
        const updated = await store.updateHook(
          tenant.id,
          hook.id,
          { headers: {}, filter: null, rateLimit: null, ordering: 'none', orderingKey: null },
          T0 + 1,
        );
        assert.deepEqual(
          [updated?.headers, updated?.filter, updated?.rateLimit, updated?.ordering, updated?.orderingKey],
          [{}, null, null, 'none', null],
        );
      },
    );

    storeTest(target, 'a fifo queue gives out only its oldest pending delivery', async ({ store }) => {
      const tenant = makeTenant();
      await store.createTenant(tenant);
      const fifo = makeHook(tenant.id, { ordering: 'fifo', orderingKey: '/data/k' });
      const plain = makeHook(tenant.id);
      await store.createHook(fifo);
      await store.createHook(plain);
      const all: Delivery[] = [];
      for (const key of ['a', 'a', 'b', 'a', 'b']) {
        const e = makeEvent(tenant.id);
        const d = [makeDelivery(e, fifo, { orderKey: key }), makeDelivery(e, plain)];
        all.push(...d);
        await store.insertEvents([{ event: e, deliveries: d }]);
      }
      // What waits behind a queue's head is pending but not due: the queue is not stuck.
      assert.deepEqual(
        await store.queueStats(T0),
        { pending: 10, due: 7, oldestDueAt: T0 },
        'two heads and five unordered deliveries are due',
      );
      const claim = (now = T0) => store.claimDue({ now, limit: 100, leaseMs: LEASE, owner: 'w1' });
      const first = await claim();
      const expected = claimableHeads(all);
      assert.deepEqual(first.map((c) => c.delivery.id).sort(), expected.map((d) => d.id).sort());
      assert.equal(first.filter((c) => c.delivery.hookId === fifo.id).length, 2, 'one head per key');
      const headA = first.find((c) => c.delivery.orderKey === 'a')!.delivery;
      const headB = first.find((c) => c.delivery.orderKey === 'b')!.delivery;

      // A head waiting for its retry still holds its queue; the other key moves on.
      await store.recordAttempts('w1', [makeResult(headA, 'retry'), makeResult(headB, 'delivered')]);
      const second = await claim(T0 + 1);
      assert.deepEqual(
        second.map((c) => c.delivery.id),
        [all.filter((d) => d.orderKey === 'b')[1]!.id],
      );
      // Failed for good: the next of its queue is the head.
      const retried = (
        await store.claimDue({ now: T0 + 60_000, limit: 100, leaseMs: LEASE, owner: 'w1' })
      ).find((c) => c.delivery.id === headA.id);
      assert.ok(retried, 'the head is claimed again when its retry is due');
      await store.recordAttempts('w1', [makeResult(retried.delivery, 'failed')]);
      const third = await store.claimDue({ now: T0 + 60_000, limit: 100, leaseMs: LEASE, owner: 'w1' });
      assert.deepEqual(
        third.map((c) => c.delivery.id),
        [all.filter((d) => d.orderKey === 'a')[1]!.id],
      );
    });

    storeTest(target, 'rate slots are taken once, whoever asks at the same time', async ({ store }) => {
      const interval = slotIntervalUs(20);
      const now = T0 * 1000;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => store.takeRateSlots('hook_x', now, interval, 5)),
      );
      assert.equal(
        answers.reduce((n, a) => n + a.granted, 0),
        1,
        'one send per slot (20/s: half an interval of tolerance lets one go at once)',
      );
      assert.ok(answers.every((a) => a.nextAtUs === now + interval));
      // Within the tolerance of the slot: admitted; earlier: refused, told when.
      assert.deepEqual(await store.takeRateSlots('hook_x', now + interval / 4, interval, 1), {
        granted: 0,
        nextAtUs: now + interval,
      });
      assert.deepEqual(await store.takeRateSlots('hook_x', now + interval / 2, interval, 3), {
        granted: 1,
        nextAtUs: now + 2 * interval,
      });
      // Idle for a while: the next slot is now, not a burst of the slots missed meanwhile.
      const later = now + 10_000_000;
      assert.deepEqual(await store.takeRateSlots('hook_x', later, interval, 1), {
        granted: 1,
        nextAtUs: later + interval,
      });
      // A high rate lets the tolerance's worth go in one call (1,000/s: 20 ms of slots and one).
      const fast = slotIntervalUs(1000);
      const burst = Math.floor(20_000 / fast) + 1;
      assert.deepEqual(await store.takeRateSlots('hook_y', now, fast, 50), {
        granted: burst,
        nextAtUs: now + burst * fast,
      });
      assert.deepEqual(await store.takeRateSlots('hook_y', now, fast, 50), {
        granted: 0,
        nextAtUs: now + burst * fast,
      });
    });
  });
}
