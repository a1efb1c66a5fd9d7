import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import { ids, insertOne, makeDelivery, makeEvent, seedTenant, storeTest, T0 } from './fixtures.ts';

const DEAD_AFTER = 15_000;

export function workerTests(target: ConformanceTarget): void {
  describe('owner liveness', () => {
    storeTest(target, "a dead owner's lease is taken over before it runs out", async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook, { nextAttemptAt: T0 - 20_000 }),
      ]);
      await store.registerWorker('dead', T0 - 20_000);
      const first = await store.claimDue({ now: T0 - 20_000, limit: 5, leaseMs: 600_000, owner: 'dead' });
      assert.deepEqual(
        first.map((c) => c.delivery.id),
        ids(deliveries),
      );

      // Its last heartbeat is older than deadAfterMs, its lease still has minutes to run.
      const taken = await store.claimDue({ now: T0, limit: 5, leaseMs: 30_000, owner: 'alive' });
      assert.deepEqual(
        taken.map((c) => c.delivery.id),
        ids(deliveries),
      );
      assert.equal(taken[0]?.delivery.leaseOwner, 'alive');
    });

    storeTest(target, 'a living owner is never robbed, even once its lease ran out', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      await store.registerWorker('slow', T0);
      await store.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'slow' });

      await store.heartbeatWorker('slow', T0 + 5000);
      assert.deepEqual(await store.claimDue({ now: T0 + 5000, limit: 5, leaseMs: 1000, owner: 'other' }), []);
      // Heartbeat still within deadAfterMs.
      const later = T0 + 5000 + DEAD_AFTER - 1;
      assert.deepEqual(await store.claimDue({ now: later, limit: 5, leaseMs: 1000, owner: 'other' }), []);

      // Once unregistered, the owner is judged by lease_until alone: expired, so claimable.
      await store.unregisterWorker('slow');
      const taken = await store.claimDue({ now: later, limit: 5, leaseMs: 1000, owner: 'other' });
      assert.deepEqual(
        taken.map((c) => c.delivery.id),
        ids(deliveries),
      );
    });

    storeTest(target, 'a living owner takes back its own leases once they ran out', async ({ store }) => {
      // How work a worker parked in the database (extendLeases to a later time) comes back to it.
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      await store.registerWorker('parker', T0);
      await store.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'parker' });
      await store.heartbeatWorker('parker', T0 + 2000);
      assert.deepEqual(await store.claimDue({ now: T0 + 500, limit: 5, leaseMs: 1000, owner: 'parker' }), []);
      assert.deepEqual(await store.claimDue({ now: T0 + 2000, limit: 5, leaseMs: 1000, owner: 'other' }), []);
      const back = await store.claimDue({ now: T0 + 2000, limit: 5, leaseMs: 1000, owner: 'parker' });
      assert.deepEqual(
        back.map((c) => c.delivery.id),
        ids(deliveries),
      );
    });

    storeTest(target, 'a fresh heartbeat keeps a lease; a stale one gives it up', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      await store.registerWorker('w1', T0);
      await store.registerWorker('w1', T0); // registering twice is fine
      await store.claimDue({ now: T0, limit: 5, leaseMs: 600_000, owner: 'w1' });
      await store.heartbeatWorker('w1', T0 + 10_000);
      const at = T0 + 10_000 + DEAD_AFTER;
      assert.equal((await store.claimDue({ now: at - 1, limit: 5, leaseMs: 1000, owner: 'w2' })).length, 0);
      assert.equal((await store.claimDue({ now: at, limit: 5, leaseMs: 1000, owner: 'w2' })).length, 1);
    });

    storeTest(target, 'heartbeating an unregistered owner registers it', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      await store.heartbeatWorker('w1', T0);
      await store.claimDue({ now: T0, limit: 5, leaseMs: 1000, owner: 'w1' });
      assert.equal(
        (await store.claimDue({ now: T0 + 2000, limit: 5, leaseMs: 1000, owner: 'w2' })).length,
        0,
      );
    });
  });
}
