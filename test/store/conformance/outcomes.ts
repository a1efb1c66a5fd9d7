import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Delivery } from '../../../src/domain/types.ts';
import type { Store } from '../../../src/store/store.ts';
import type { ConformanceTarget } from './fixtures.ts';
import {
  insertOne,
  makeDelivery,
  makeEvent,
  makeHook,
  makeResult,
  seedTenant,
  storeTest,
  T0,
} from './fixtures.ts';

const LEASE = 30_000;

async function claimAll(store: Store, owner: string, now = T0): Promise<void> {
  await store.claimDue({ now, limit: 1000, leaseMs: LEASE, owner });
}

export function recordTests(target: ConformanceTarget): void {
  describe('recording attempts', () => {
    storeTest(target, 'each outcome moves the delivery and the hook health', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook),
        makeDelivery(e, hook),
        makeDelivery(e, hook),
      ]);
      const [retry, fail, ok] = deliveries as [Delivery, Delivery, Delivery];
      await claimAll(store, 'w1');
      const get = (d: Delivery) => store.getDelivery(tenant.id, d.id);
      const health = async () => {
        const h = await store.getHook(tenant.id, hook.id);
        return { failingSince: h?.failingSince, lastSuccessAt: h?.lastSuccessAt };
      };

      const retryResult = makeResult(retry, 'retry', { startedAt: T0 + 10, durationMs: 7.25 });
      await store.recordAttempts('w1', [retryResult]);
      assert.deepEqual(await get(retry), {
        ...retry,
        attempts: 1,
        schedulePos: 1,
        nextAttemptAt: T0 + 60_000,
        lastStatus: 500,
        lastError: 'HTTP 500',
        updatedAt: T0 + 17,
      });
      assert.deepEqual(await health(), { failingSince: T0 + 10, lastSuccessAt: null });
      assert.deepEqual(await store.listAttempts(tenant.id, retry.id), [retryResult.attempt]);

      await store.recordAttempts('w1', [makeResult(fail, 'failed', { startedAt: T0 + 20 })]);
      const failed = await get(fail);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.nextAttemptAt, null);
      assert.equal(failed?.leaseOwner, null);
      assert.equal(failed?.attempts, 1);
      assert.deepEqual(
        await health(),
        { failingSince: T0 + 10, lastSuccessAt: null },
        'first failure is kept',
      );

      const okResult = makeResult(ok, 'delivered', { startedAt: T0 + 30, durationMs: 15 });
      await store.recordAttempts('w1', [okResult]);
      assert.deepEqual(await get(ok), {
        ...ok,
        status: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        lastStatus: 200,
        deliveredAt: T0 + 45,
        updatedAt: T0 + 45,
      });
      assert.deepEqual(await health(), { failingSince: null, lastSuccessAt: T0 + 30 });
      assert.deepEqual(await store.listAttempts(tenant.id, ok.id), [okResult.attempt]);

      const late = makeResult(retry, 'failed', { startedAt: T0 + 40, attemptNo: 2 });
      await store.recordAttempts('w1', [late]);
      assert.equal((await get(retry))?.status, 'pending', 'no longer leased by w1: the delivery stays');
      assert.deepEqual(
        await store.listAttempts(tenant.id, retry.id),
        [retryResult.attempt, late.attempt],
        'but the attempt is recorded, and attempts list oldest first',
      );
      assert.deepEqual(await health(), { failingSince: T0 + 40, lastSuccessAt: T0 + 30 });
    });

    storeTest(
      target,
      'a first attempt that delivered stays in the attempt log beside later ones (requeued, sent again)',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
        const d = deliveries[0]!;
        await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w1' });
        const first = makeResult(d, 'delivered', { startedAt: T0 + 1, attemptNo: 1 });
        await store.recordAttempts('w1', [first]);
        assert.deepEqual(await store.listAttempts(tenant.id, d.id), [first.attempt]);
        await store.requeueDelivery(tenant.id, d.id, T0 + 10);
        await store.claimDue({ now: T0 + 10, limit: 1, leaseMs: 1000, owner: 'w1' });
        const second = makeResult(d, 'delivered', { startedAt: T0 + 11, attemptNo: 2 });
        await store.recordAttempts('w1', [second]);
        assert.deepEqual(await store.listAttempts(tenant.id, d.id), [first.attempt, second.attempt]);
        assert.equal((await store.getDelivery(tenant.id, d.id))?.attempts, 2);
        // A first attempt recorded twice (sent again after a crash before its record): both kept.
        await store.requeueDelivery(tenant.id, d.id, T0 + 20);
        await store.claimDue({ now: T0 + 20, limit: 1, leaseMs: 1000, owner: 'w1' });
        const again = makeResult(d, 'delivered', { startedAt: T0 + 21, attemptNo: 1 });
        await store.recordAttempts('w1', [again]);
        assert.deepEqual(await store.listAttempts(tenant.id, d.id), [
          first.attempt,
          second.attempt,
          again.attempt,
        ]);
      },
    );

    storeTest(
      target,
      'a result from a worker that lost its lease records history only',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
        const d = deliveries[0]!;
        await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'slow' });
        const [taken] = await store.claimDue({ now: T0 + 1000, limit: 1, leaseMs: 1000, owner: 'fast' });
        assert.equal(taken?.delivery.id, d.id);
        await store.recordAttempts('slow', [makeResult(d, 'delivered', { attemptNo: 1 })]);
        const after = await store.getDelivery(tenant.id, d.id);
        assert.equal(after?.status, 'pending');
        assert.equal(after?.attempts, 0);
        assert.equal(after?.leaseOwner, 'fast');
        assert.equal((await store.listAttempts(tenant.id, d.id)).length, 1);
      },
    );

    storeTest(target, 'one batch of mixed outcomes, hooks and reporters in one call', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const other = makeHook(tenant.id, { failingSince: T0 - 100 });
      await store.createHook(other);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook),
        makeDelivery(e, hook),
        makeDelivery(e, other),
        makeDelivery(e, other),
        makeDelivery(e, null),
      ]);
      const [h1, h2, o1, o2, reporter] = deliveries as Delivery[];
      await claimAll(store, 'w');
      // Listed out of time order: health follows when attempts started, not list order.
      await store.recordAttempts('w', [
        makeResult(h2!, 'retry', { startedAt: T0 + 60 }),
        makeResult(h1!, 'delivered', { startedAt: T0 + 50 }),
        makeResult(o1!, 'failed', { startedAt: T0 + 10 }),
        makeResult(o2!, 'retry', { startedAt: T0 + 20 }),
        makeResult(reporter!, 'delivered', { startedAt: T0 + 5 }),
      ]);
      const h = await store.getHook(tenant.id, hook.id);
      assert.equal(h?.lastSuccessAt, T0 + 50);
      assert.equal(h?.failingSince, T0 + 60, 'a failure after the success marks the hook failing');
      const o = await store.getHook(tenant.id, other.id);
      assert.equal(o?.failingSince, T0 - 100, 'an earlier failingSince is kept');
      assert.equal(o?.lastSuccessAt, null);
      const statuses = await Promise.all(deliveries.map((d) => store.getDelivery(tenant.id, d.id)));
      assert.deepEqual(
        statuses.map((d) => d?.status),
        ['delivered', 'pending', 'failed', 'pending', 'delivered'],
      );
      assert.ok(statuses.every((d) => d?.attempts === 1 && d.leaseOwner === null));
      await store.recordAttempts('w', []);
    });
  });

  describe('requeue and recover', () => {
    storeTest(
      target,
      'requeueDelivery makes a finished delivery due now with a fresh schedule',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook, {
            status: 'failed',
            schedulePos: 7,
            nextAttemptAt: null,
            attempts: 8,
            lastError: 'x',
          }),
        ]);
        const d = deliveries[0]!;
        const requeued = await store.requeueDelivery(tenant.id, d.id, T0 + 500);
        assert.deepEqual(requeued, {
          ...d,
          status: 'pending',
          nextAttemptAt: T0 + 500,
          schedulePos: 0,
          updatedAt: T0 + 500,
        });
        assert.deepEqual(await store.getDelivery(tenant.id, d.id), requeued);
        assert.equal(await store.requeueDelivery(tenant.id, 'dlv_missing', T0), null);
        assert.deepEqual(await store.claimDue({ now: T0 + 499, limit: 5, leaseMs: LEASE, owner: 'w' }), []);
        const [c] = await store.claimDue({ now: T0 + 500, limit: 5, leaseMs: LEASE, owner: 'w' });
        assert.equal(c?.delivery.id, d.id);
        const again = await store.requeueDelivery(tenant.id, d.id, T0 + 600);
        assert.equal(again?.leaseOwner, null, 'requeue clears a lease');
      },
    );

    storeTest(
      target,
      "recoverFailed requeues the hook's failed deliveries created since",
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const otherHook = makeHook(tenant.id);
        await store.createHook(otherHook);
        const failed = { status: 'failed' as const, nextAttemptAt: null, schedulePos: 3 };
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook, { ...failed, createdAt: T0 - 100 }),
          makeDelivery(e, hook, { ...failed, createdAt: T0 }),
          makeDelivery(e, hook, { ...failed, createdAt: T0 + 100 }),
          makeDelivery(e, hook, { status: 'delivered', nextAttemptAt: null, createdAt: T0 + 100 }),
          makeDelivery(e, otherHook, { ...failed, createdAt: T0 + 100 }),
        ]);
        assert.equal(await store.recoverFailed(tenant.id, hook.id, T0, T0 + 1000), 2);
        const after = await Promise.all(deliveries.map((d) => store.getDelivery(tenant.id, d.id)));
        assert.deepEqual(
          after.map((d) => d?.status),
          ['failed', 'pending', 'pending', 'delivered', 'failed'],
        );
        assert.equal(after[1]?.nextAttemptAt, T0 + 1000);
        assert.equal(after[1]?.schedulePos, 0);
        assert.equal(
          await store.recoverFailed(tenant.id, hook.id, T0, T0 + 2000),
          0,
          'nothing failed is left',
        );
      },
    );
  });
}
