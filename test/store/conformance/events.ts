import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Delivery } from '../../../src/domain/types.ts';
import type { ConformanceTarget } from './fixtures.ts';
import {
  ids,
  insertOne,
  makeDelivery,
  makeEvent,
  makeResult,
  seedTenant,
  storeTest,
  T0,
} from './fixtures.ts';

export function eventTests(target: ConformanceTarget): void {
  describe('events and idempotent ingest', () => {
    storeTest(target, 'an event and its deliveries round-trip, payload byte for byte', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const payload = '{"eventID":"e1",  "event":"site.created","data":{"name":"é\u2028😀","n":1.50}}\n';
      const event = makeEvent(tenant.id, { eventID: 'e1', payload, idempotencyKey: 'idem-1' });
      const deliveries = [makeDelivery(event, hook), makeDelivery(event, null)];
      const [result] = await store.insertEvents([{ event, deliveries }]);
      assert.deepEqual(result, { created: true, event, deliveries });

      assert.deepEqual(await store.getEvent(tenant.id, event.id), event);
      assert.deepEqual(await store.getEvent(tenant.id, 'e1'), event, 'found by eventID too');
      assert.equal((await store.getEvent(tenant.id, event.id))?.payload, payload);
      assert.equal(await store.getEvent(tenant.id, 'missing'), null);
      for (const d of deliveries) assert.deepEqual(await store.getDelivery(tenant.id, d.id), d);
    });

    storeTest(
      target,
      'the same eventId again reports the stored event and inserts nothing',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const first = makeEvent(tenant.id, { eventID: 'dup' });
        const firstDeliveries = [makeDelivery(first, hook)];
        await store.insertEvents([{ event: first, deliveries: firstDeliveries }]);

        const again = makeEvent(tenant.id, { eventID: 'dup', payload: '{"other":true}' });
        const [result] = await store.insertEvents([
          { event: again, deliveries: [makeDelivery(again, hook)] },
        ]);
        assert.deepEqual(result, { created: false, event: first, deliveries: firstDeliveries });
        assert.deepEqual(ids(await store.listDeliveries(tenant.id, { limit: 10 })), ids(firstDeliveries));
        assert.equal(await store.getEvent(tenant.id, again.id), null);
      },
    );

    storeTest(
      target,
      'the same idempotency key with a new eventId reports the stored event',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const first = makeEvent(tenant.id, { idempotencyKey: 'key-1' });
        const firstDeliveries = [makeDelivery(first, hook)];
        await store.insertEvents([{ event: first, deliveries: firstDeliveries }]);
        const retry = makeEvent(tenant.id, { idempotencyKey: 'key-1' });
        const [result] = await store.insertEvents([
          { event: retry, deliveries: [makeDelivery(retry, hook)] },
        ]);
        assert.deepEqual(result, { created: false, event: first, deliveries: firstDeliveries });
        assert.equal((await store.listDeliveries(tenant.id, { limit: 10 })).length, 1);
      },
    );

    storeTest(
      target,
      'duplicates inside one batch: the first wins, later ones report it',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const a = makeEvent(tenant.id, { eventID: 'a' });
        const aDup = makeEvent(tenant.id, { eventID: 'a' });
        const k = makeEvent(tenant.id, { idempotencyKey: 'k' });
        const kDup = makeEvent(tenant.id, { idempotencyKey: 'k' });
        const free1 = makeEvent(tenant.id);
        const free2 = makeEvent(tenant.id);
        const batch = [a, aDup, k, free1, kDup, free2].map((event) => ({
          event,
          deliveries: [makeDelivery(event, hook)],
        }));
        const results = await store.insertEvents(batch);
        assert.deepEqual(
          results.map((r) => r.created),
          [true, false, true, true, false, true],
        );
        assert.deepEqual(results[1], { created: false, event: a, deliveries: batch[0]?.deliveries });
        assert.deepEqual(results[4], { created: false, event: k, deliveries: batch[2]?.deliveries });
        assert.equal((await store.listDeliveries(tenant.id, { limit: 100 })).length, 4);
        assert.equal((await store.listEvents(tenant.id, { limit: 100 })).length, 4);
      },
    );

    storeTest(target, 'eventIds and idempotency keys are unique per tenant only', async ({ store }) => {
      const { tenant: t1 } = await seedTenant(store, 'one');
      const { tenant: t2 } = await seedTenant(store, 'two');
      const results = await store.insertEvents([
        { event: makeEvent(t1.id, { eventID: 'same', idempotencyKey: 'k' }), deliveries: [] },
        { event: makeEvent(t2.id, { eventID: 'same', idempotencyKey: 'k' }), deliveries: [] },
      ]);
      assert.deepEqual(
        results.map((r) => r.created),
        [true, true],
      );
      assert.equal((await store.getEvent(t2.id, 'same'))?.tenantId, t2.id);
    });

    storeTest(
      target,
      'concurrent inserts of one eventId from two stores create it exactly once',
      async (f) => {
        const { store } = f;
        const other = await f.openAnother();
        const { tenant, hook } = await seedTenant(store);
        for (let round = 0; round < 5; round++) {
          const eventId = `race-${round}`;
          const items = [store, other].map(() => {
            const event = makeEvent(tenant.id, { eventID: eventId });
            return { event, deliveries: [makeDelivery(event, hook), makeDelivery(event, hook)] };
          });
          const [r1, r2] = await Promise.all([
            store.insertEvents([items[0]!]),
            other.insertEvents([items[1]!]),
          ]);
          const results = [r1[0]!, r2[0]!];
          assert.equal(results.filter((r) => r.created).length, 1, `round ${round}: exactly one created`);
          const winner = results.find((r) => r.created)!;
          const loser = results.find((r) => !r.created)!;
          assert.equal(loser.event.id, winner.event.id);
          assert.deepEqual(ids(loser.deliveries), ids(winner.deliveries));
          const stored = await store.listDeliveries(tenant.id, { eventId: winner.event.id, limit: 10 });
          assert.deepEqual(ids(stored).sort(), ids(winner.deliveries).sort());
        }
        assert.equal((await store.listDeliveries(tenant.id, { limit: 100 })).length, 10);
      },
    );

    storeTest(target, 'listEvents pages newest first and filters by type', async ({ store }) => {
      const { tenant } = await seedTenant(store);
      const events = [];
      for (let i = 0; i < 5; i++) {
        events.push(makeEvent(tenant.id, { type: i % 2 === 0 ? 'site.created' : 'build.finished' }));
      }
      await store.insertEvents(events.map((event) => ({ event, deliveries: [] })));
      const newestFirst = ids(events).reverse();
      const page1 = await store.listEvents(tenant.id, { limit: 3 });
      assert.deepEqual(ids(page1), newestFirst.slice(0, 3));
      const page2 = await store.listEvents(tenant.id, { limit: 3, after: page1.at(-1)?.id });
      assert.deepEqual(ids(page2), newestFirst.slice(3));
      const sites = await store.listEvents(tenant.id, { limit: 10, type: 'site.created' });
      assert.deepEqual(
        ids(sites),
        newestFirst.filter((_, i) => i % 2 === 0),
      );
      const sitesPage2 = await store.listEvents(tenant.id, {
        limit: 10,
        type: 'site.created',
        after: sites[0]?.id,
      });
      assert.deepEqual(ids(sitesPage2), ids(sites).slice(1));
    });

    storeTest(target, "another tenant's events, deliveries and attempts are missing", async ({ store }) => {
      const { tenant, hook } = await seedTenant(store, 'owner');
      const { tenant: other } = await seedTenant(store, 'other');
      const { event, deliveries } = await insertOne(store, makeEvent(tenant.id, { eventID: 'mine' }), (e) => [
        makeDelivery(e, hook),
      ]);
      const d = deliveries[0]!;
      const [claimed] = await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w' });
      assert.ok(claimed);
      await store.recordAttempts('w', [makeResult(d, 'failed')]);

      assert.equal(await store.getEvent(other.id, event.id), null);
      assert.equal(await store.getEvent(other.id, 'mine'), null);
      assert.deepEqual(await store.listEvents(other.id, { limit: 10 }), []);
      assert.equal(await store.getDelivery(other.id, d.id), null);
      assert.deepEqual(await store.listDeliveries(other.id, { limit: 10 }), []);
      assert.deepEqual(await store.listDeliveries(other.id, { eventId: event.id, limit: 10 }), []);
      assert.deepEqual(await store.listAttempts(other.id, d.id), []);
      assert.equal(await store.requeueDelivery(other.id, d.id, T0 + 5), null);
      assert.equal(await store.recoverFailed(other.id, hook.id, 0, T0 + 5), 0);
      assert.equal((await store.getDelivery(tenant.id, d.id))?.status, 'failed', 'untouched');
      assert.equal((await store.listAttempts(tenant.id, d.id)).length, 1);
    });
  });
}

export function deliveryListTests(target: ConformanceTarget): void {
  describe('delivery listings', () => {
    storeTest(
      target,
      'listDeliveries filters by hook, event and status, and pages newest first',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const e1 = makeEvent(tenant.id);
        const e2 = makeEvent(tenant.id);
        const all: Delivery[] = [
          makeDelivery(e1, hook),
          makeDelivery(e1, null),
          makeDelivery(e2, hook, { status: 'delivered', nextAttemptAt: null, deliveredAt: T0 }),
          makeDelivery(e2, hook, { status: 'failed', nextAttemptAt: null, lastError: 'x' }),
        ];
        await store.insertEvents([
          { event: e1, deliveries: all.slice(0, 2) },
          { event: e2, deliveries: all.slice(2) },
        ]);
        const newestFirst = ids(all).reverse();
        const list = (opts: Parameters<typeof store.listDeliveries>[1]) =>
          store.listDeliveries(tenant.id, opts).then(ids);

        assert.deepEqual(await list({ limit: 10 }), newestFirst);
        assert.deepEqual(
          await list({ limit: 10, hookId: hook.id }),
          newestFirst.filter((id) => id !== all[1]!.id),
        );
        assert.deepEqual(await list({ limit: 10, eventId: e1.id }), [all[1]!.id, all[0]!.id]);
        assert.deepEqual(await list({ limit: 10, status: 'failed' }), [all[3]!.id]);
        assert.deepEqual(await list({ limit: 10, status: 'pending', hookId: hook.id }), [all[0]!.id]);
        const page1 = await list({ limit: 3 });
        assert.deepEqual(page1, newestFirst.slice(0, 3));
        assert.deepEqual(await list({ limit: 3, after: page1.at(-1) }), newestFirst.slice(3));
        assert.deepEqual(await list({ limit: 10, hookId: hook.id, after: all[3]!.id }), [
          all[2]!.id,
          all[0]!.id,
        ]);
      },
    );
  });
}
