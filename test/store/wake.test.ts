import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';

const skip = await pgSkipReason();

describe('PostgreSQL wake listener', { skip }, () => {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  test('a killed LISTEN connection reconnects by itself and wakes once, since a NOTIFY may be lost', async () => {
    const errors: Error[] = [];
    const store = new PostgresStore({
      connectionString: db!.url,
      poolSize: 2,
      onError: (e) => errors.push(e),
    });
    const admin = new pg.Client({ connectionString: db!.url });
    await admin.connect();
    let wakes = 0;
    let woken: () => void = () => {};
    const unsubscribe = await store.subscribeWake(() => {
      wakes++;
      woken();
    });
    const hookChanges: Array<string | null> = [];
    const unsubscribeHooks = await store.subscribeHookChanges((_t, hookId) => hookChanges.push(hookId));
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
      );
      assert.equal(killed.rowCount, 1);
      await new Promise<void>((resolve) => (woken = resolve));
      assert.equal(wakes, 1, 'one wake after the reconnect');
      assert.ok(errors.length >= 1, 'the lost connection was reported, not thrown');
      assert.deepEqual(hookChanges, [null], 'hook subscribers hear "any hook may have changed"');

      // Subscribed again: a NOTIFY from another process wakes it.
      const next = new Promise<void>((resolve) => (woken = resolve));
      await admin.query(`SELECT pg_notify('herald_wake', '')`);
      await next;
      assert.equal(wakes, 2);
    } finally {
      await unsubscribe();
      await unsubscribeHooks();
      await admin.end();
      await store.close();
    }
  });
});
