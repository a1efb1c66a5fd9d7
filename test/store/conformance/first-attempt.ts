import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Delivery } from '../../../src/domain/types.ts';
import type { ConformanceTarget, StoreFixture } from './fixtures.ts';
import {
  idAt,
  insertOne,
  makeDelivery,
  makeEvent,
  makeResult,
  seedTenant,
  storeTest,
  T0,
} from './fixtures.ts';

/** Where a delivery's attempts are kept: attempts rows, and the one on its row (migration 017). */
async function keptAt(f: StoreFixture, d: Delivery): Promise<{ rows: string[]; onRow: string | null }> {
  const rows = await f.peek('SELECT id FROM attempts WHERE delivery_id = $1 ORDER BY id', [d.id]);
  const [row] = await f.peek('SELECT first_attempt_id FROM deliveries WHERE id = $1', [d.id]);
  return {
    rows: rows.map((r) => String(r['id'])),
    onRow: (row?.['first_attempt_id'] as string | null) ?? null,
  };
}

/**
 * A first attempt that delivered is kept on its delivery's row, not as an attempts row; every
 * read of attempts shows it exactly as an attempts row would.
 */
export function firstAttemptTests(target: ConformanceTarget): void {
  describe('a first attempt that delivered, kept on its delivery', () => {
    storeTest(target, 'is listed as an attempt with every field', async (f) => {
      const { store } = f;
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      const d = deliveries[0]!;
      await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w' });
      const ok = makeResult(d, 'delivered', {
        startedAt: T0 + 3,
        durationMs: 12.625,
        requestUrl: 'https://receiver.example/hook?x=1',
        requestHeaders: { 'content-type': 'application/json', 'webhook-id': d.id, 'x-é': 'ü' },
        responseStatus: 204,
        responseHeaders: { 'x-reply': 'ok', 'set-cookie': 'a=b' },
        responseBody: '{"ok":true}',
      });
      await store.recordAttempts('w', [ok]);
      assert.deepEqual(await keptAt(f, d), { rows: [], onRow: ok.attempt.id });
      assert.deepEqual(await store.listAttempts(tenant.id, d.id), [ok.attempt]);
      assert.deepEqual(await store.getDelivery(tenant.id, d.id), {
        ...d,
        status: 'delivered',
        attempts: 1,
        nextAttemptAt: null,
        lastStatus: 204,
        deliveredAt: T0 + 16,
        updatedAt: T0 + 16,
      });
      assert.deepEqual(await store.listAttempts('other-tenant', d.id), []);
    });

    storeTest(target, 'with no response headers or body, lists them as null', async (f) => {
      const { store } = f;
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      const d = deliveries[0]!;
      await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w' });
      const ok = makeResult(d, 'delivered', { responseHeaders: null, responseBody: null });
      await store.recordAttempts('w', [ok]);
      assert.equal((await keptAt(f, d)).onRow, ok.attempt.id);
      assert.deepEqual(await store.listAttempts(tenant.id, d.id), [ok.attempt]);
    });

    storeTest(target, 'a retry then a success are both attempts rows, listed in order', async (f) => {
      const { store } = f;
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      const d = deliveries[0]!;
      await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w' });
      const retry = makeResult(d, 'retry', { startedAt: T0 + 1, attemptNo: 1 });
      await store.recordAttempts('w', [retry]);
      await store.claimDue({ now: T0 + 60_000, limit: 1, leaseMs: 1000, owner: 'w' });
      const ok = makeResult(d, 'delivered', { startedAt: T0 + 60_001, attemptNo: 2 });
      await store.recordAttempts('w', [ok]);
      assert.deepEqual(await keptAt(f, d), { rows: [retry.attempt.id, ok.attempt.id], onRow: null });
      assert.deepEqual(await store.listAttempts(tenant.id, d.id), [retry.attempt, ok.attempt]);
      assert.equal((await store.getDelivery(tenant.id, d.id))?.status, 'delivered');
    });

    storeTest(
      target,
      'in one batch: kept on the row when leased, as a row when the lease was lost',
      async (f) => {
        const { store } = f;
        const { tenant, hook } = await seedTenant(store);
        const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook),
          makeDelivery(e, hook),
          makeDelivery(e, hook),
        ]);
        const [kept, lost, failed] = deliveries as [Delivery, Delivery, Delivery];
        await store.claimDue({ now: T0 + 500, limit: 3, leaseMs: 1000, owner: 'slow' });
        await store.requeueDelivery(tenant.id, lost.id, T0 + 600);
        const results = [
          makeResult(kept, 'delivered', { startedAt: T0 + 501 }),
          makeResult(lost, 'delivered', { startedAt: T0 + 502 }),
          makeResult(failed, 'failed', { startedAt: T0 + 503 }),
        ];
        await store.recordAttempts('slow', results);
        assert.deepEqual(await keptAt(f, kept), { rows: [], onRow: results[0]!.attempt.id });
        assert.deepEqual(await keptAt(f, lost), { rows: [results[1]!.attempt.id], onRow: null });
        assert.deepEqual(await keptAt(f, failed), { rows: [results[2]!.attempt.id], onRow: null });
        for (const [i, d] of [kept, lost, failed].entries()) {
          assert.deepEqual(await store.listAttempts(tenant.id, d.id), [results[i]!.attempt]);
        }
        const after = await store.getDelivery(tenant.id, lost.id);
        assert.equal(after?.status, 'pending', 'requeued: the delivery is not moved');
        assert.equal(after?.attempts, 0);
      },
    );

    storeTest(target, 'is never overwritten by another first attempt', async (f) => {
      const { store } = f;
      const { tenant, hook } = await seedTenant(store);
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      const d = deliveries[0]!;
      await store.claimDue({ now: T0, limit: 1, leaseMs: 1000, owner: 'w' });
      const first = makeResult(d, 'delivered', { startedAt: T0 + 1, attemptNo: 1 });
      await store.recordAttempts('w', [first]);
      await store.requeueDelivery(tenant.id, d.id, T0 + 10);
      await store.claimDue({ now: T0 + 10, limit: 1, leaseMs: 1000, owner: 'w' });
      const again = makeResult(d, 'delivered', { startedAt: T0 + 11, attemptNo: 1 });
      await store.recordAttempts('w', [again]);
      assert.deepEqual(await keptAt(f, d), { rows: [again.attempt.id], onRow: first.attempt.id });
      assert.deepEqual(await store.listAttempts(tenant.id, d.id), [first.attempt, again.attempt]);
      const after = await store.getDelivery(tenant.id, d.id);
      assert.equal(after?.status, 'delivered', 'the delivery is still finished');
      assert.equal(after?.attempts, 2);
      assert.equal(after?.leaseOwner, null);
    });

    storeTest(target, 'is purged with its delivery, and alone when its delivery stays', async (f) => {
      const { store } = f;
      const { tenant, hook } = await seedTenant(store);
      const old = { createdAt: T0 - 10_000, nextAttemptAt: T0 - 10_000 };
      const oldEvent = () => makeEvent(tenant.id, { createdAt: T0 - 10_000, id: idAt('event', T0 - 10_000) });
      const gone = await insertOne(store, oldEvent(), (e) => [makeDelivery(e, hook, old)]);
      const stays = await insertOne(store, oldEvent(), (e) => [
        makeDelivery(e, hook, old),
        makeDelivery(e, hook, { ...old, nextAttemptAt: T0 + 100_000 }),
      ]);
      const recent = await insertOne(store, oldEvent(), (e) => [
        makeDelivery(e, hook, old),
        makeDelivery(e, hook, { ...old, nextAttemptAt: T0 + 100_000 }),
      ]);
      const [g, s, r] = [gone.deliveries[0]!, stays.deliveries[0]!, recent.deliveries[0]!];
      await store.claimDue({ now: T0 - 9000, limit: 10, leaseMs: 1000, owner: 'w' });
      const at = (t: number) => ({ startedAt: t, id: idAt('attempt', t) });
      await store.recordAttempts('w', [
        makeResult(g, 'delivered', at(T0 - 9000)),
        makeResult(s, 'delivered', at(T0 - 9000)),
        makeResult(r, 'delivered', at(T0 + 5)),
      ]);
      for (const d of [g, s, r]) assert.ok((await keptAt(f, d)).onRow, 'kept on the row');

      assert.deepEqual(await store.purge(T0), { events: 1, deliveries: 1, attempts: 2 });
      assert.equal(await store.getDelivery(tenant.id, g.id), null);
      assert.deepEqual(await f.peek('SELECT id FROM attempts'), []);
      assert.deepEqual(await store.listAttempts(tenant.id, s.id), [], 'the old attempt is gone');
      const left = await store.getDelivery(tenant.id, s.id);
      assert.equal(left?.status, 'delivered', 'its delivery is not otherwise changed');
      assert.equal(left?.attempts, 1);
      assert.equal((await store.listAttempts(tenant.id, r.id)).length, 1, 'a recent one stays');
      assert.deepEqual(await store.purge(T0), { events: 0, deliveries: 0, attempts: 0 });
    });
  });
}
