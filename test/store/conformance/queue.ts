import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import { ids, insertOne, makeDelivery, makeEvent, makeHook, seedTenant, storeTest, T0 } from './fixtures.ts';

const LEASE = 30_000;

export function claimTests(target: ConformanceTarget): void {
  describe('claiming due work', () => {
    storeTest(
      target,
      'claims only due pending deliveries, oldest due first, up to the limit',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook, { nextAttemptAt: T0 - 30 }),
          makeDelivery(e, hook, { nextAttemptAt: T0 - 10 }),
          makeDelivery(e, hook, { nextAttemptAt: T0 - 20 }),
          makeDelivery(e, hook, { nextAttemptAt: T0 + 1 }),
          makeDelivery(e, hook, { status: 'delivered', nextAttemptAt: null, deliveredAt: T0 - 50 }),
          makeDelivery(e, hook, { status: 'failed', nextAttemptAt: T0 - 50 }),
        ]);
        const [d30, d10, d20, future] = deliveries;

        const first = await store.claimDue({ now: T0, limit: 2, leaseMs: LEASE, owner: 'w1' });
        assert.deepEqual(
          first.map((c) => c.delivery.id),
          [d30!.id, d20!.id],
        );
        for (const c of first) {
          assert.equal(c.delivery.leaseOwner, 'w1');
          assert.equal(c.delivery.leaseUntil, T0 + LEASE);
          const stored = await store.getDelivery(tenant.id, c.delivery.id);
          assert.deepEqual(stored, c.delivery, 'what claimDue returns is what is stored');
        }
        const second = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w1' });
        assert.deepEqual(
          second.map((c) => c.delivery.id),
          [d10!.id],
        );
        assert.deepEqual(await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w1' }), []);
        const later = await store.claimDue({ now: T0 + 1, limit: 10, leaseMs: LEASE, owner: 'w1' });
        assert.deepEqual(
          later.map((c) => c.delivery.id),
          [future!.id],
        );
        assert.deepEqual(await store.claimDue({ now: T0, limit: 0, leaseMs: LEASE, owner: 'w1' }), []);
      },
    );

    storeTest(
      target,
      'a claim carries the event payload and type and the current hook',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const event = makeEvent(tenant.id, { type: 'build.finished', payload: '{"x": 1}' });
        const { deliveries } = await insertOne(store, event, (e) => [
          makeDelivery(e, hook),
          makeDelivery(e, null),
        ]);
        const renamed = await store.updateHook(tenant.id, hook.id, { url: 'https://new.example/h' }, T0 + 1);
        const claimed = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w1' });
        assert.equal(claimed.length, 2);
        const toHook = claimed.find((c) => c.delivery.id === deliveries[0]!.id);
        const toTarget = claimed.find((c) => c.delivery.id === deliveries[1]!.id);
        assert.equal(toHook?.payload, '{"x": 1}');
        assert.equal(toHook?.eventType, 'build.finished');
        assert.deepEqual(toHook?.hook, renamed);
        assert.equal(toTarget?.hook, null);
        assert.deepEqual(toTarget?.delivery.target, deliveries[1]!.target);
        assert.equal(toTarget?.payload, '{"x": 1}');
      },
    );

    storeTest(
      target,
      'a live lease is respected and an expired one can be claimed again',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
        const [c1] = await store.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w1' });
        assert.equal(c1?.delivery.id, deliveries[0]!.id);
        assert.deepEqual(await store.claimDue({ now: T0 + 999, limit: 10, leaseMs: 1000, owner: 'w2' }), []);
        const [c2] = await store.claimDue({ now: T0 + 1000, limit: 10, leaseMs: 1000, owner: 'w2' });
        assert.equal(c2?.delivery.id, deliveries[0]!.id);
        assert.equal(c2?.delivery.leaseOwner, 'w2');
        assert.equal(c2?.delivery.leaseUntil, T0 + 2000);
      },
    );

    storeTest(
      target,
      'deliveries of disabled hooks wait until the hook is enabled again',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const off = makeHook(tenant.id, { enabled: false });
        await store.createHook(off);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, off),
          makeDelivery(e, hook),
        ]);
        const claimed = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w1' });
        assert.deepEqual(
          claimed.map((c) => c.delivery.id),
          [deliveries[1]!.id],
        );
        await store.updateHook(tenant.id, off.id, { enabled: true }, T0 + 1);
        const again = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w1' });
        assert.deepEqual(
          again.map((c) => c.delivery.id),
          [deliveries[0]!.id],
        );
      },
    );

    storeTest(target, 'two stores claiming at once never get the same delivery', async (f) => {
      const { store } = f;
      const other = await f.openAnother();
      const { tenant, hook } = await seedTenant(store);
      const total = 60;
      const event = makeEvent(tenant.id);
      await store.insertEvents([
        {
          event,
          deliveries: Array.from({ length: total }, (_, i) =>
            makeDelivery(event, hook, { nextAttemptAt: T0 - i }),
          ),
        },
      ]);
      const seen = new Set<string>();
      for (let round = 0; round < 3 && seen.size < total; round++) {
        const batches = await Promise.all([
          store.claimDue({ now: T0, limit: 15, leaseMs: LEASE, owner: 'a' }),
          other.claimDue({ now: T0, limit: 15, leaseMs: LEASE, owner: 'b' }),
          store.claimDue({ now: T0, limit: 15, leaseMs: LEASE, owner: 'c' }),
          other.claimDue({ now: T0, limit: 15, leaseMs: LEASE, owner: 'd' }),
        ]);
        for (const batch of batches) {
          for (const c of batch) {
            assert.ok(!seen.has(c.delivery.id), `${c.delivery.id} claimed twice`);
            seen.add(c.delivery.id);
          }
        }
      }
      const rest = await store.claimDue({ now: T0, limit: total, leaseMs: LEASE, owner: 'e' });
      for (const c of rest) assert.ok(!seen.has(c.delivery.id), `${c.delivery.id} claimed twice`);
      assert.equal(seen.size + rest.length, total);
    });
  });

  describe('leases', () => {
    storeTest(target, "a claim can leave chosen tenants' due work alone", async ({ store }) => {
      const a = await seedTenant(store);
      const b = await seedTenant(store);
      const { deliveries: da } = await insertOne(store, makeEvent(a.tenant.id), (e) => [
        makeDelivery(e, a.hook),
      ]);
      const { deliveries: db } = await insertOne(store, makeEvent(b.tenant.id), (e) => [
        makeDelivery(e, b.hook),
      ]);
      const opts = { now: T0, limit: 10, leaseMs: 1000, owner: 'w' };
      const first = await store.claimDue({ ...opts, excludeTenants: [a.tenant.id] });
      assert.deepEqual(
        first.map((c) => c.delivery.id),
        ids(db),
      );
      const rest = await store.claimDue({ ...opts, excludeTenants: [] });
      assert.deepEqual(
        rest.map((c) => c.delivery.id),
        ids(da),
      );
    });

    storeTest(target, 'deliveries inserted already leased are not claimable', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const lease = { leaseOwner: 'fast', leaseUntil: T0 + LEASE };
      const { deliveries } = await insertOne(store, makeEvent(tenant.id, { type: 'site.deleted' }), (e) => [
        makeDelivery(e, hook, lease),
        makeDelivery(e, null, lease),
        makeDelivery(e, hook, { leaseOwner: 'someone-else', leaseUntil: T0 + LEASE }),
        makeDelivery(e, hook),
      ]);
      const all = ids(deliveries);
      const claimed = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w' });
      assert.deepEqual(
        claimed.map((c) => c.delivery.id),
        [all[3]],
        'leased rows are not claimable',
      );
    });

    storeTest(
      target,
      "releaseLeases drops only that owner's leases (all, or the given ids)",
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) =>
          Array.from({ length: 4 }, (_, i) => makeDelivery(e, hook, { nextAttemptAt: T0 - 10 + i })),
        );
        const [d0, d1, d2, d3] = ids(deliveries);
        await store.claimDue({ now: T0, limit: 3, leaseMs: LEASE, owner: 'w1' });
        await store.claimDue({ now: T0, limit: 1, leaseMs: LEASE, owner: 'w2' });
        const owner = async (id: string | undefined) => (await store.getDelivery(tenant.id, id!))?.leaseOwner;

        await store.releaseLeases('w1', [d0!, d3!]);
        assert.equal(await owner(d0), null);
        assert.equal(await owner(d1), 'w1');
        assert.equal(await owner(d3), 'w2', "another owner's lease is kept");
        assert.equal((await store.getDelivery(tenant.id, d0!))?.leaseUntil, null);

        await store.releaseLeases('w1');
        assert.equal(await owner(d1), null);
        assert.equal(await owner(d2), null);
        assert.equal(await owner(d3), 'w2');
        await store.releaseLeases('w1', []);

        const reclaimed = await store.claimDue({ now: T0, limit: 10, leaseMs: LEASE, owner: 'w3' });
        assert.deepEqual(reclaimed.map((c) => c.delivery.id).sort(), [d0, d1, d2].sort());
      },
    );

    storeTest(
      target,
      "extendLeases moves only this owner's live leases on pending deliveries",
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) =>
          Array.from({ length: 3 }, (_, i) => makeDelivery(e, hook, { nextAttemptAt: T0 - 10 + i })),
        );
        const [d0, d1, d2] = ids(deliveries);
        await store.claimDue({ now: T0, limit: 2, leaseMs: LEASE, owner: 'w1' });
        await store.claimDue({ now: T0, limit: 1, leaseMs: LEASE, owner: 'w2' });
        const until = T0 + 10 * LEASE;
        assert.equal(await store.extendLeases('w1', [d0!, d1!, d2!], until), 2);
        assert.equal((await store.getDelivery(tenant.id, d0!))?.leaseUntil, until);
        assert.equal((await store.getDelivery(tenant.id, d1!))?.leaseUntil, until);
        assert.equal(
          (await store.getDelivery(tenant.id, d2!))?.leaseUntil,
          T0 + LEASE,
          "w2's lease is untouched",
        );
        assert.equal(await store.extendLeases('w1', [], until), 0);
        // After the old lease would have run out, the extended ones are still not claimable.
        const later = await store.claimDue({ now: T0 + 2 * LEASE, limit: 10, leaseMs: LEASE, owner: 'w3' });
        assert.deepEqual(
          later.map((c) => c.delivery.id),
          [d2],
        );
      },
    );
  });
}
