import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommitter } from '../../src/ingest/commit.ts';
import type { Tenant } from '../../src/domain/types.ts';
import type { NewEventWithDeliveries, Store } from '../../src/store/store.ts';
import { sqliteTarget, type StoreFixture } from '../helpers/store-targets.ts';
import { makeDelivery, makeEvent, seedTenant } from '../store/conformance/fixtures.ts';

/** The real store, with each insertEvents call (one transaction) recorded by its size. */
function recording(store: Store): { store: Store; transactions: number[] } {
  const transactions: number[] = [];
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertEvents')
        return (batch: NewEventWithDeliveries[]) => {
          transactions.push(batch.length);
          return target.insertEvents(batch);
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { store: proxy, transactions };
}

describe('group commit', () => {
  let fixture: StoreFixture;
  let tenant: Tenant;
  let rec: ReturnType<typeof recording>;
  beforeEach(async () => {
    fixture = await sqliteTarget().fresh();
    ({ tenant } = await seedTenant(fixture.store));
    rec = recording(fixture.store);
  });
  afterEach(async () => fixture.close());

  const items = (n: number, eventID?: (i: number) => string): NewEventWithDeliveries[] =>
    Array.from({ length: n }, (_, i) => {
      const event = makeEvent(tenant.id, eventID ? { eventID: eventID(i) } : {});
      return { event, deliveries: [makeDelivery(event, null)] };
    });
  const stored = async () => (await fixture.store.listEvents(tenant.id, { limit: 1000 })).length;

  test('publishes of the same tick share one transaction, and each caller gets its own results', async () => {
    const committer = new GroupCommitter(rec.store);
    const calls = [items(3), items(1), items(5)];
    const results = await Promise.all(calls.map((c) => committer.insert(c)));
    assert.deepEqual(rec.transactions, [9]);
    results.forEach((r, i) => {
      assert.deepEqual(
        r.map((x) => x.event.eventID),
        calls[i]!.map((x) => x.event.eventID),
      );
      assert.ok(r.every((x) => x.created && x.deliveries.length === 1));
    });
    assert.equal(await stored(), 9);
  });

  test('publishes of different ticks commit separately', async () => {
    const committer = new GroupCommitter(rec.store);
    await committer.insert(items(2));
    await committer.insert(items(2));
    assert.deepEqual(rec.transactions, [2, 2]);
  });

  test('a tick above the split size is split between callers, in order, never inside one', async () => {
    // The size counts rows: each event and its one delivery here.
    const committer = new GroupCommitter(rec.store, 20);
    await Promise.all([items(4), items(4), items(4)].map((c) => committer.insert(c)));
    assert.deepEqual(rec.transactions, [8, 4]);
    rec.transactions.length = 0;
    // A caller larger than the split size still commits whole, in a transaction of its own.
    await Promise.all([items(3), items(15), items(3)].map((c) => committer.insert(c)));
    assert.deepEqual(rec.transactions, [3, 15, 3]);
    assert.equal(await stored(), 33);
  });

  test('a failing group fails only its callers, and stores none of them', async () => {
    const committer = new GroupCommitter(rec.store, 4);
    const [taken] = items(1);
    await committer.insert([taken!]);
    // The same internal id again breaks the primary key: a real failure inside the transaction.
    const clash = makeEvent(tenant.id, { id: taken!.event.id });
    const [a, b, c, d] = [items(1), [{ event: clash, deliveries: [] }], items(1), items(1)];
    const outcomes = await Promise.allSettled([a, b, c, d].map((x) => committer.insert(x!)));
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(rec.transactions, [1, 2, 2]);
    const kept = await fixture.store.listEvents(tenant.id, { limit: 100 });
    assert.equal(kept.length, 3, 'the first insert and the group of c and d');
    assert.ok(!kept.some((e) => e.eventID === a![0]!.event.eventID), 'a rolled back with b');
  });

  test('a repeated eventID in one group is stored once and answered as not created', async () => {
    const committer = new GroupCommitter(rec.store);
    const [first, second] = await Promise.all([
      committer.insert(items(1, () => 'same')),
      committer.insert(items(1, () => 'same')),
    ]);
    assert.deepEqual(rec.transactions, [2]);
    assert.equal(first![0]!.created, true);
    assert.equal(second![0]!.created, false);
    assert.equal(second![0]!.event.id, first![0]!.event.id);
    assert.equal(await stored(), 1);
  });

  test('an empty call answers at once without a transaction', async () => {
    const committer = new GroupCommitter(rec.store);
    assert.deepEqual(await committer.insert([]), []);
    assert.deepEqual(rec.transactions, []);
  });
});
