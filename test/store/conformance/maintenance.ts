import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import {
  idAt,
  calledWithin,
  ids,
  insertOne,
  makeDelivery,
  makeEvent,
  makeHook,
  makeResult,
  makeTenant,
  seedTenant,
  storeTest,
  T0,
} from './fixtures.ts';

export function maintenanceTests(target: ConformanceTarget): void {
  describe('housekeeping', () => {
    storeTest(
      target,
      'disableFailingHooks disables and returns hooks failing since the cutoff',
      async ({ store }) => {
        const t = makeTenant();
        await store.createTenant(t);
        const longFailing = makeHook(t.id, { failingSince: T0 - 100 });
        const atCutoff = makeHook(t.id, { failingSince: T0 });
        const recent = makeHook(t.id, { failingSince: T0 + 1 });
        const alreadyOff = makeHook(t.id, {
          failingSince: T0 - 100,
          enabled: false,
          disabledReason: 'manual',
        });
        const healthy = makeHook(t.id);
        for (const h of [longFailing, atCutoff, recent, alreadyOff, healthy]) await store.createHook(h);

        const disabled = await store.disableFailingHooks(T0, 'failing for 5 days', T0 + 50);
        assert.deepEqual(
          disabled,
          [longFailing, atCutoff].map((h) => ({
            ...h,
            enabled: false,
            disabledReason: 'failing for 5 days',
            updatedAt: T0 + 50,
          })),
        );
        assert.deepEqual(await store.getHook(t.id, longFailing.id), disabled[0]);
        assert.equal((await store.getHook(t.id, alreadyOff.id))?.disabledReason, 'manual');
        assert.equal((await store.getHook(t.id, recent.id))?.enabled, true);
        assert.deepEqual(await store.disableFailingHooks(T0, 'again', T0 + 60), []);
      },
    );

    storeTest(
      target,
      'failOrphanedDeliveries fails pending deliveries whose hook is gone',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        // A hook deleted between fan-out and commit leaves deliveries that name a missing hook.
        const gone = makeHook(tenant.id);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook),
          makeDelivery(e, gone),
          makeDelivery(e, null),
        ]);
        const [live, orphan, reporter] = ids(deliveries);
        assert.equal(await store.failOrphanedDeliveries(T0), 1);
        const orphaned = await store.getDelivery(tenant.id, orphan!);
        assert.equal(orphaned?.status, 'failed');
        assert.equal(orphaned?.lastError, 'hook deleted');
        assert.equal((await store.getDelivery(tenant.id, live!))?.status, 'pending');
        assert.equal(
          (await store.getDelivery(tenant.id, reporter!))?.status,
          'pending',
          'reporter deliveries have no hook',
        );
        assert.equal(await store.failOrphanedDeliveries(T0), 0);
      },
    );

    storeTest(target, 'queueStats counts pending work and what is claimable now', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const off = makeHook(tenant.id, { enabled: false });
      await store.createHook(off);
      assert.deepEqual(await store.queueStats(T0), { pending: 0, due: 0, oldestDueAt: null });
      await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook, { nextAttemptAt: T0 - 50 }),
        makeDelivery(e, null, { nextAttemptAt: T0 - 10 }),
        makeDelivery(e, hook, { nextAttemptAt: T0 + 1000 }),
        makeDelivery(e, hook, { nextAttemptAt: T0 - 90, leaseOwner: 'w', leaseUntil: T0 + 10 }),
        makeDelivery(e, off, { nextAttemptAt: T0 - 80 }),
        makeDelivery(e, hook, { status: 'delivered', nextAttemptAt: null, deliveredAt: T0 }),
      ]);
      assert.deepEqual(await store.queueStats(T0), { pending: 5, due: 2, oldestDueAt: T0 - 50 });
      assert.deepEqual(await store.queueStats(T0 + 10), { pending: 5, due: 3, oldestDueAt: T0 - 90 });
    });

    storeTest(
      target,
      'purge deletes old attempts and old finished events with their deliveries',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const before = T0;
        // Ids as old as their rows: purge finds rows by id range (ids begin with their time).
        const old = () => ({ createdAt: T0 - 10_000, id: idAt('event', T0 - 10_000) });
        const done = {
          status: 'delivered' as const,
          nextAttemptAt: null,
          deliveredAt: T0 - 9000,
          createdAt: T0 - 10_000,
        };

        const finished = await insertOne(store, makeEvent(tenant.id, old()), (e) => [
          makeDelivery(e, hook, done),
        ]);
        const stillPending = await insertOne(store, makeEvent(tenant.id, old()), (e) => [
          makeDelivery(e, hook, { ...done }),
          makeDelivery(e, hook, { createdAt: T0 - 10_000, nextAttemptAt: T0 + 100 }),
        ]);
        const failedLately = await insertOne(store, makeEvent(tenant.id, old()), (e) => [
          makeDelivery(e, hook, { createdAt: T0 - 10_000, nextAttemptAt: T0 - 5 }),
        ]);
        const recent = await insertOne(
          store,
          makeEvent(tenant.id, { createdAt: T0 + 1, id: idAt('event', T0 + 1) }),
          (e) => [makeDelivery(e, hook, { ...done, createdAt: T0 + 1 })],
        );
        const noDeliveries = await insertOne(store, makeEvent(tenant.id, old()));

        // Attempts: old ones on two events, a recent one on an old event that then failed.
        const oldAttempt = () => ({ startedAt: T0 - 9500, id: idAt('attempt', T0 - 9500) });
        const [fin, pendDone] = [finished.deliveries[0]!, stillPending.deliveries[0]!];
        const lateDelivery = failedLately.deliveries[0]!;
        assert.deepEqual(await store.insertEvents([]), []);
        await store.claimDue({ now: T0, limit: 10, leaseMs: 1000, owner: 'w' });
        await store.recordAttempts('w', [
          makeResult(fin, 'delivered', oldAttempt()),
          makeResult(pendDone, 'delivered', oldAttempt()),
          makeResult(lateDelivery, 'failed', { startedAt: T0 + 5, id: idAt('attempt', T0 + 5) }),
          makeResult(recent.deliveries[0]!, 'delivered', { startedAt: T0 + 5, id: idAt('attempt', T0 + 5) }),
        ]);

        const counts = await store.purge(before);
        assert.deepEqual(counts, { events: 3, deliveries: 2, attempts: 3 });
        assert.equal(await store.getEvent(tenant.id, finished.event.id), null);
        assert.equal(await store.getDelivery(tenant.id, fin.id), null);
        assert.equal(await store.getEvent(tenant.id, failedLately.event.id), null);
        assert.equal(await store.getEvent(tenant.id, noDeliveries.event.id), null);
        assert.ok(await store.getEvent(tenant.id, stillPending.event.id), 'an event with pending work stays');
        assert.deepEqual(
          ids(await store.listDeliveries(tenant.id, { eventId: stillPending.event.id, limit: 10 })).sort(),
          ids(stillPending.deliveries).sort(),
        );
        assert.deepEqual(await store.listAttempts(tenant.id, pendDone.id), [], 'its old attempt is gone');
        assert.ok(await store.getEvent(tenant.id, recent.event.id));
        assert.equal((await store.listAttempts(tenant.id, recent.deliveries[0]!.id)).length, 1);
        assert.deepEqual(await store.purge(before), { events: 0, deliveries: 0, attempts: 0 });
      },
    );
  });

  describe('wake-ups', () => {
    if (target.dialect === 'postgres') {
      storeTest(target, 'another store inserting unleased work wakes a subscriber', async (f) => {
        const { store } = f;
        const other = await f.openAnother();
        const { tenant, hook } = await seedTenant(store);
        const wake = calledWithin(5000);
        const unsubscribe = await store.subscribeWake(wake.fn);
        try {
          await insertOne(other, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
          await wake.called;
        } finally {
          await unsubscribe();
        }
        await unsubscribe();
      });

      storeTest(
        target,
        'updateHook, deleteHook and disableFailingHooks in another store notify hook subscribers on commit',
        async (f) => {
          const { store } = f;
          const other = await f.openAnother();
          const t = makeTenant();
          await store.createTenant(t);
          const [a, b, c] = [makeHook(t.id), makeHook(t.id), makeHook(t.id, { failingSince: T0 - 1 })];
          for (const h of [a, b, c]) await store.createHook(h);
          const seen: Array<[string | null, string | null]> = [];
          let waiter: (() => void) | null = null;
          const unsubscribe = await store.subscribeHookChanges((tenantId, hookId) => {
            seen.push([tenantId, hookId]);
            waiter?.();
          });
          const until = async (n: number) => {
            const deadline = Date.now() + 5000;
            while (seen.length < n) {
              assert.ok(Date.now() < deadline, `only ${seen.length} of ${n} notifications`);
              await new Promise<void>((resolve) => {
                waiter = resolve;
                setTimeout(resolve, 200).unref();
              });
            }
          };
          try {
            await other.updateHook(t.id, a.id, { url: 'http://127.0.0.1:1/new' }, T0 + 1);
            await until(1);
            await other.deleteHook(t.id, b.id, T0 + 2);
            await until(2);
            await other.disableFailingHooks(T0, 'failing', T0 + 3);
            await until(3);
            // A miss notifies no one: nothing changed.
            await other.updateHook(t.id, 'hook_missing', { name: 'x' }, T0 + 4);
            await other.deleteHook(t.id, 'hook_missing', T0 + 4);
            assert.deepEqual(seen, [
              [t.id, a.id],
              [t.id, b.id],
              [t.id, c.id],
            ]);
          } finally {
            await unsubscribe();
          }
        },
      );
    } else {
      storeTest(target, 'subscribeWake is a no-op that can be unsubscribed', async ({ store }) => {
        let woken = 0;
        const unsubscribe = await store.subscribeWake(() => woken++);
        const { tenant, hook } = await seedTenant(store);
        await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
        await unsubscribe();
        assert.equal(woken, 0);
      });

      storeTest(target, 'subscribeHookChanges is a no-op that can be unsubscribed', async ({ store }) => {
        let changes = 0;
        const unsubscribe = await store.subscribeHookChanges(() => changes++);
        const { tenant, hook } = await seedTenant(store);
        await store.updateHook(tenant.id, hook.id, { name: 'renamed' }, T0 + 1);
        await store.deleteHook(tenant.id, hook.id, T0 + 2);
        await unsubscribe();
        assert.equal(changes, 0);
      });
    }
  });
}
