import type { UserId } from '../../src/domain/ids.ts';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import type { ConsoleSession, ConsoleUser } from '../../src/domain/console.ts';
import type { Store } from '../../src/store/store.ts';
import {
  insertOne,
  makeDelivery,
  makeEvent,
  makeHook,
  makeResult,
  seedTenant,
  T0,
} from '../store/conformance/fixtures.ts';

/** The ConsoleStore contract, run against SQLite and PostgreSQL (like test/store/conformance.ts). */
export interface ConsoleTarget {
  fresh(): Promise<{ store: Store; close(): Promise<void> }>;
}

function makeUser(tenantId: string, over: Partial<ConsoleUser> = {}): ConsoleUser {
  return {
    id: newId('user'),
    tenantId,
    email: `${crypto.randomUUID().slice(0, 8)}@example.com`,
    passwordHash: 'scrypt$1$1$1$salt$hash',
    role: 'member',
    createdAt: T0,
    ...over,
  };
}

function makeSession(userId: UserId, over: Partial<ConsoleSession> = {}): ConsoleSession {
  return {
    id: newId('session'),
    tokenHash: crypto.randomUUID().replaceAll('-', ''),
    userId,
    createdAt: T0,
    expiresAt: T0 + 1000,
    ...over,
  };
}

export function runConsoleConformance(target: ConsoleTarget): void {
  const storeTest = (name: string, fn: (store: Store) => Promise<void>) =>
    test(name, async () => {
      const f = await target.fresh();
      try {
        await fn(f.store);
      } finally {
        await f.close();
      }
    });

  describe('users', () => {
    storeTest('a user round-trips, by id within its tenant and by email', async (store) => {
      const { tenant } = await seedTenant(store);
      const other = await seedTenant(store, 'other');
      const user = makeUser(tenant.id, { role: 'admin' });
      assert.equal(await store.console.createUser(user), true);
      assert.deepEqual(await store.console.getUser(tenant.id, user.id), user);
      assert.deepEqual(await store.console.findUserByEmail(user.email), user);
      assert.equal(
        await store.console.getUser(other.tenant.id, user.id),
        null,
        'another tenant sees nothing',
      );
      assert.equal(await store.console.findUserByEmail('nobody@example.com'), null);
    });

    storeTest('an email is taken across tenants: the second create stores nothing', async (store) => {
      const a = await seedTenant(store, 'a');
      const b = await seedTenant(store, 'b');
      const first = makeUser(a.tenant.id, { email: 'same@example.com' });
      assert.equal(await store.console.createUser(first), true);
      assert.equal(
        await store.console.createUser(makeUser(b.tenant.id, { email: 'same@example.com' })),
        false,
      );
      assert.deepEqual(await store.console.listUsers(b.tenant.id), []);
      assert.deepEqual(await store.console.findUserByEmail('same@example.com'), first);
    });

    storeTest(
      'users list oldest first, per tenant; password changes; deleting ends sessions',
      async (store) => {
        const { tenant } = await seedTenant(store);
        const other = await seedTenant(store, 'other');
        const u1 = makeUser(tenant.id);
        const u2 = makeUser(tenant.id);
        const elsewhere = makeUser(other.tenant.id);
        for (const u of [u1, u2, elsewhere]) await store.console.createUser(u);
        assert.deepEqual(
          (await store.console.listUsers(tenant.id)).map((u) => u.id),
          [u1.id, u2.id],
        );
        assert.equal(await store.console.setPasswordHash(tenant.id, u1.id, 'scrypt$new'), true);
        assert.equal((await store.console.getUser(tenant.id, u1.id))?.passwordHash, 'scrypt$new');
        assert.equal(await store.console.setPasswordHash(other.tenant.id, u1.id, 'x'), false);

        const s = makeSession(u1.id);
        await store.console.createSession(s);
        assert.equal(
          await store.console.deleteUser(other.tenant.id, u1.id),
          false,
          'not from another tenant',
        );
        assert.equal(await store.console.deleteUser(tenant.id, u1.id), true);
        assert.equal(await store.console.getUser(tenant.id, u1.id), null);
        assert.equal(
          await store.console.findSession(s.tokenHash, T0),
          null,
          'the session went with the user',
        );
      },
    );
  });

  describe('sessions', () => {
    storeTest(
      'a live session is found by its token hash, with its user; an expired one is not',
      async (store) => {
        const { tenant } = await seedTenant(store);
        const user = makeUser(tenant.id);
        await store.console.createUser(user);
        const s = makeSession(user.id, { expiresAt: T0 + 1000 });
        await store.console.createSession(s);
        assert.deepEqual(await store.console.findSession(s.tokenHash, T0), { session: s, user });
        assert.equal(await store.console.findSession(s.tokenHash, T0 + 1000), null, 'expired at expiresAt');
        assert.equal(await store.console.findSession('unknown', T0), null);
      },
    );

    storeTest('extendSession moves the expiry forward, never back', async (store) => {
      const { tenant } = await seedTenant(store);
      const user = makeUser(tenant.id);
      await store.console.createUser(user);
      const s = makeSession(user.id, { expiresAt: T0 + 1000 });
      await store.console.createSession(s);
      await store.console.extendSession(s.id, T0 + 5000);
      assert.equal((await store.console.findSession(s.tokenHash, T0))?.session.expiresAt, T0 + 5000);
      await store.console.extendSession(s.id, T0 + 2000);
      assert.equal((await store.console.findSession(s.tokenHash, T0))?.session.expiresAt, T0 + 5000);
    });

    storeTest('sessions are deleted one by one, per user, or when expired', async (store) => {
      const { tenant } = await seedTenant(store);
      const a = makeUser(tenant.id);
      const b = makeUser(tenant.id);
      await store.console.createUser(a);
      await store.console.createUser(b);
      const a1 = makeSession(a.id);
      const a2 = makeSession(a.id);
      const b1 = makeSession(b.id, { expiresAt: T0 + 10 });
      const b2 = makeSession(b.id, { expiresAt: T0 + 100_000 });
      for (const s of [a1, a2, b1, b2]) await store.console.createSession(s);

      await store.console.deleteSession(a1.id);
      assert.equal(await store.console.findSession(a1.tokenHash, T0), null);
      assert.ok(await store.console.findSession(a2.tokenHash, T0));
      assert.equal(await store.console.deleteUserSessions(a.id), 1);
      assert.equal(await store.console.findSession(a2.tokenHash, T0), null);

      assert.equal(await store.console.purgeSessions(T0 + 10), 1);
      assert.ok(await store.console.findSession(b2.tokenHash, T0 + 10));
    });

    storeTest('a token hash is unique', async (store) => {
      const { tenant } = await seedTenant(store);
      const user = makeUser(tenant.id);
      await store.console.createUser(user);
      const s = makeSession(user.id);
      await store.console.createSession(s);
      await assert.rejects(store.console.createSession(makeSession(user.id, { tokenHash: s.tokenHash })));
    });
  });

  describe('read models', () => {
    storeTest('lastDeliveries gives the newest delivery of each hook, within the tenant', async (store) => {
      const { tenant, hook } = await seedTenant(store);
      const quiet = makeHook(tenant.id);
      const second = makeHook(tenant.id);
      await store.createHook(quiet);
      await store.createHook(second);
      const other = await seedTenant(store, 'other');
      const e1 = await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook),
        makeDelivery(e, second),
      ]);
      const e2 = await insertOne(store, makeEvent(tenant.id), (e) => [makeDelivery(e, hook)]);
      await insertOne(store, makeEvent(other.tenant.id), (e) => [makeDelivery(e, other.hook)]);

      const last = await store.console.lastDeliveries(tenant.id, [
        hook.id,
        quiet.id,
        second.id,
        other.hook.id,
      ]);
      const byHook = new Map(last.map((d) => [d.hookId, d]));
      assert.equal(last.length, 2);
      assert.equal(byHook.get(hook.id)?.id, e2.deliveries[0]!.id);
      assert.equal(byHook.get(second.id)?.id, e1.deliveries[1]!.id);
      assert.equal(byHook.get(hook.id)?.status, 'pending');
      assert.deepEqual(await store.console.lastDeliveries(tenant.id, []), []);
    });

    storeTest('eventSummaries names the events of a tenant by internal id', async (store) => {
      const { tenant } = await seedTenant(store);
      const other = await seedTenant(store, 'other');
      const a = makeEvent(tenant.id, { type: 'project.created' });
      const b = makeEvent(other.tenant.id);
      await insertOne(store, a);
      await insertOne(store, b);
      assert.deepEqual(await store.console.eventSummaries(tenant.id, [a.id, b.id, 'evt_missing']), [
        { id: a.id, eventID: a.eventID, type: 'project.created' },
      ]);
    });

    storeTest(
      'hookActivity counts attempts per bucket since a time, with mean and longest duration',
      async (store) => {
        const { tenant, hook } = await seedTenant(store);
        const otherHook = makeHook(tenant.id);
        await store.createHook(otherHook);
        const HOUR = 3_600_000;
        const since = T0;
        const item = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook),
          makeDelivery(e, hook),
          makeDelivery(e, hook),
          makeDelivery(e, otherHook),
        ]);
        const [d1, d2, d3, dOther] = item.deliveries as [
          (typeof item.deliveries)[0],
          (typeof item.deliveries)[0],
          (typeof item.deliveries)[0],
          (typeof item.deliveries)[0],
        ];
        await store.recordAttempts('w', [
          makeResult(d1, 'retry', { startedAt: since - 1, durationMs: 999 }), // before the window
          makeResult(d1, 'delivered', { attemptNo: 2, startedAt: since + 10, durationMs: 10 }),
          makeResult(d2, 'retry', { startedAt: since + 20, durationMs: 30, responseStatus: 500 }),
          makeResult(d3, 'retry', {
            startedAt: since + 2 * HOUR + 5,
            durationMs: 40,
            responseStatus: null,
            error: 'ECONNREFUSED',
          }),
          makeResult(d3, 'delivered', { attemptNo: 2, startedAt: since + 2 * HOUR + 50, durationMs: 20 }),
          makeResult(dOther, 'retry', { startedAt: since + 30, durationMs: 5 }),
        ]);
        // recordAttempts moves only leased deliveries; mark them as touched since `since` as a worker would.
        for (const d of [d1, d2, d3]) await store.requeueDelivery(tenant.id, d.id, since + 1);

        const buckets = await store.console.hookActivity(tenant.id, hook.id, since, HOUR);
        assert.deepEqual(buckets, [
          { start: since, ok: 1, failed: 1, meanMs: 20, maxMs: 30 },
          { start: since + 2 * HOUR, ok: 1, failed: 1, meanMs: 30, maxMs: 40 },
        ]);
        assert.deepEqual(await store.console.hookActivity(tenant.id, hook.id, since + 3 * HOUR, HOUR), []);
        const other = await seedTenant(store, 'other');
        assert.deepEqual(await store.console.hookActivity(other.tenant.id, hook.id, since, HOUR), []);
      },
    );

    storeTest('hookActivity counts a first attempt kept on its delivery like any other', async (store) => {
      const { tenant, hook } = await seedTenant(store);
      const HOUR = 3_600_000;
      const { deliveries } = await insertOne(store, makeEvent(tenant.id), (e) => [
        makeDelivery(e, hook),
        makeDelivery(e, hook),
      ]);
      const [first, retried] = deliveries as [(typeof deliveries)[0], (typeof deliveries)[0]];
      // Leased, so the first success is kept on its delivery's row (migration 017).
      await store.claimDue({ now: T0, limit: 2, leaseMs: 1000, owner: 'w' });
      await store.recordAttempts('w', [
        makeResult(first, 'delivered', { startedAt: T0 + 10, durationMs: 10 }),
        makeResult(retried, 'retry', { startedAt: T0 + 20, durationMs: 30, responseStatus: 503 }),
      ]);
      assert.deepEqual(await store.console.hookActivity(tenant.id, hook.id, T0, HOUR), [
        { start: T0, ok: 1, failed: 1, meanMs: 20, maxMs: 30 },
      ]);
      assert.deepEqual(await store.console.hookActivity(tenant.id, hook.id, T0 + 15, HOUR), [
        { start: T0 + 15, ok: 0, failed: 1, meanMs: 30, maxMs: 30 },
      ]);
    });
  });
}
