import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';
import {
  insertOne,
  makeDelivery,
  makeEvent,
  makeHook,
  makeResult,
  seedTenant,
  T0,
} from './conformance/fixtures.ts';

const skip = await pgSkipReason();

/**
 * Resolves once some other backend of this database waits for a lock (polls pg_locks); fails
 * after 10 s instead of hanging when nothing ever waits.
 */
async function someoneWaitsForALock(client: pg.Client): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const res = await client.query(
      `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND a.datname = current_database() AND a.pid <> pg_backend_pid()`,
    );
    if (res.rowCount) return;
    await sleep(10);
  }
  throw new Error('no backend ever waited for a lock');
}

/**
 * recordAttempts is one statement; these pin down the order it takes locks in, which is what
 * keeps it free of deadlocks with deleteHook (hook, then deliveries) and with other batches.
 */
describe('PostgreSQL recordAttempts: hooks first, then deliveries', { skip }, () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let holder: pg.Client;
  let probe: pg.Client;
  before(async () => {
    db = await createTestDatabase();
    store = new PostgresStore({ connectionString: db.url });
    holder = new pg.Client({ connectionString: db.url });
    probe = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await probe.connect();
  });
  after(async () => {
    await holder.end();
    await probe.end();
    await store.close();
    await db.drop();
  });

  test('while a hook is locked elsewhere it holds no delivery, then folds health into the latest row', async () => {
    const { tenant, hook } = await seedTenant(store);
    const other = makeHook(tenant.id);
    await store.createHook(other);
    const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
      makeDelivery(e, hook),
      makeDelivery(e, other),
    ]);
    await store.claimDue({ now: T0, limit: 10, leaseMs: 30_000, owner: 'w1' });

    // Another transaction holds the second hook (in id order) and moves its health on.
    const [first, second] = [hook, other].sort((a, b) => (a.id < b.id ? -1 : 1));
    await holder.query('BEGIN');
    await holder.query('UPDATE hooks SET last_success_at = $1 WHERE id = $2', [T0 + 500, second!.id]);

    const recording = store.recordAttempts(
      'w1',
      deliveries.map((d) => makeResult(d, 'delivered', { startedAt: T0 + 100 })),
    );
    await someoneWaitsForALock(probe);
    // It waits for the hook without having touched a delivery: they can still be locked here.
    const ids = deliveries.map((d) => d.id);
    await probe.query('BEGIN');
    const locked = await probe.query('SELECT id FROM deliveries WHERE id = ANY($1) FOR UPDATE NOWAIT', [ids]);
    assert.equal(locked.rowCount, 2);
    await probe.query('ROLLBACK');

    await holder.query('COMMIT');
    await recording;
    for (const d of deliveries) assert.equal((await store.getDelivery(tenant.id, d.id))?.status, 'delivered');
    // The committed T0 + 500 is later than this batch's success: it stays.
    assert.equal((await store.getHook(tenant.id, second!.id))?.lastSuccessAt, T0 + 500);
    assert.equal((await store.getHook(tenant.id, first!.id))?.lastSuccessAt, T0 + 100);
  });

  test('a batch waits for deleteHook, then finds its delivery failed and leaves it so', async () => {
    const { tenant, hook } = await seedTenant(store, 'deleted');
    const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
    const [d] = deliveries;
    await store.claimDue({ now: T0, limit: 10, leaseMs: 30_000, owner: 'w2' });

    // deleteHook's order, in one transaction: the hook, then its pending deliveries.
    await holder.query('BEGIN');
    await holder.query('DELETE FROM hooks WHERE id = $1', [hook.id]);
    const recording = store.recordAttempts('w2', [makeResult(d!, 'delivered')]);
    await someoneWaitsForALock(probe);
    await holder.query(
      `UPDATE deliveries SET status = 'failed', lease_owner = NULL, lease_until = NULL WHERE hook_id = $1 AND status = 'pending'`,
      [hook.id],
    );
    await holder.query('COMMIT');
    await recording;
    const after = await store.getDelivery(tenant.id, d!.id);
    assert.equal(after?.status, 'failed', 'the lease was gone: the attempt is history only');
    assert.equal((await store.listAttempts(tenant.id, d!.id)).length, 1);
  });
});
