import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newId } from '../../../src/domain/ids.ts';
import type { ApiKey } from '../../../src/domain/types.ts';
import { loadMigrations } from '../../../src/store/migrate.ts';
import type { ConformanceTarget } from './fixtures.ts';
import {
  ids,
  insertOne,
  makeDelivery,
  makeEvent,
  makeHook,
  makeTenant,
  seedTenant,
  storeTest,
  T0,
} from './fixtures.ts';

function makeKey(tenantId: string, over: Partial<ApiKey> = {}): ApiKey {
  return {
    id: newId('apiKey'),
    tenantId,
    name: 'ci',
    role: 'member',
    hash: crypto.randomUUID().replaceAll('-', ''),
    prefix: 'hk_abcd',
    createdAt: T0,
    revokedAt: null,
    ...over,
  };
}

export function migrationTests(target: ConformanceTarget): void {
  describe('migrations', () => {
    test('migrate applies every version on a blank database, records it, and is idempotent', async () => {
      const f = await target.blank();
      try {
        const versions = (await loadMigrations(target.dialect)).map((m) => m.version);
        assert.ok(versions.includes(1));
        assert.deepEqual(await f.appliedMigrations(), []);
        await f.store.migrate();
        assert.deepEqual(await f.appliedMigrations(), versions);
        await f.store.migrate();
        assert.deepEqual(await f.appliedMigrations(), versions);
        await f.store.ping();
        await f.store.createTenant(makeTenant());
        assert.equal((await f.store.listTenants()).length, 1);
      } finally {
        await f.close();
      }
    });

    test('two stores migrating the same blank database at once both succeed', async () => {
      const f = await target.blank();
      try {
        const other = await f.openAnother();
        await Promise.all([f.store.migrate(), other.migrate()]);
        const versions = (await loadMigrations(target.dialect)).map((m) => m.version);
        assert.deepEqual(await f.appliedMigrations(), versions);
      } finally {
        await f.close();
      }
    });
  });
}

export function tenantTests(target: ConformanceTarget): void {
  describe('tenants and api keys', () => {
    storeTest(target, 'ping answers on a migrated store', async ({ store }) => {
      await store.ping();
      assert.equal(store.dialect, target.dialect);
    });

    storeTest(target, 'tenants round-trip and list newest first', async ({ store }) => {
      const a = makeTenant('a');
      const b = makeTenant('b');
      await store.createTenant(a);
      await store.createTenant(b);
      assert.deepEqual(await store.getTenant(a.id), a);
      assert.equal(await store.getTenant('ten_missing'), null);
      assert.deepEqual(await store.listTenants(), [b, a]);
      await assert.rejects(store.createTenant(a), 'a duplicate tenant id is rejected');
    });

    storeTest(
      target,
      'api keys are found by hash until revoked, and scoped to their tenant',
      async ({ store }) => {
        const t1 = makeTenant('one');
        const t2 = makeTenant('two');
        await store.createTenant(t1);
        await store.createTenant(t2);
        const k1 = makeKey(t1.id, { role: 'admin' });
        const k2 = makeKey(t1.id);
        const other = makeKey(t2.id);
        for (const k of [k1, k2, other]) await store.createApiKey(k);

        assert.deepEqual(await store.findApiKeyByHash(k1.hash), k1);
        assert.equal(await store.findApiKeyByHash('nope'), null);
        assert.deepEqual(await store.listApiKeys(t1.id), [k2, k1]);
        assert.deepEqual(await store.listApiKeys(t2.id), [other]);
        await assert.rejects(store.createApiKey(makeKey(t2.id, { hash: k1.hash })), 'hashes are unique');

        assert.equal(
          await store.revokeApiKey(t2.id, k1.id, T0 + 5),
          false,
          "another tenant's key is missing",
        );
        assert.deepEqual(await store.findApiKeyByHash(k1.hash), k1);
        assert.equal(await store.revokeApiKey(t1.id, k1.id, T0 + 5), true);
        assert.equal(await store.findApiKeyByHash(k1.hash), null);
        assert.equal(await store.revokeApiKey(t1.id, k1.id, T0 + 9), true, 'revoking twice is fine');
        const listed = (await store.listApiKeys(t1.id)).find((k) => k.id === k1.id);
        assert.equal(listed?.revokedAt, T0 + 5, 'the first revocation time is kept');
        assert.equal(await store.revokeApiKey(t1.id, 'key_missing', T0), false);
      },
    );
  });
}

export function hookTests(target: ConformanceTarget): void {
  describe('hooks', () => {
    storeTest(target, 'a hook round-trips every field, JSON ones included', async ({ store }) => {
      const t = makeTenant();
      await store.createTenant(t);
      const plain = makeHook(t.id);
      const full = makeHook(t.id, {
        name: 'builds',
        objects: ['build', 'site'],
        events: ['build.finished', 'site.created'],
        enabled: false,
        username: 'user',
        password: 'pa:ss',
        oldSecrets: [{ secret: 'whsec_old', expiresAt: T0 + 1000 }],
        failingSince: T0 - 5,
        lastSuccessAt: T0 - 10,
        disabledReason: 'manual',
      });
      await store.createHook(plain);
      await store.createHook(full);
      assert.deepEqual(await store.getHook(t.id, plain.id), plain);
      assert.deepEqual(await store.getHook(t.id, full.id), full);
      assert.equal(await store.getHook(t.id, 'hook_missing'), null);
    });

    storeTest(
      target,
      "another tenant's hook is missing for get, update, delete and lists",
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store, 'owner');
        const { tenant: other } = await seedTenant(store, 'other');
        assert.equal(await store.getHook(other.id, hook.id), null);
        assert.equal(await store.updateHook(other.id, hook.id, { name: 'stolen' }, T0 + 1), null);
        assert.equal(await store.deleteHook(other.id, hook.id, T0 + 1), false);
        assert.ok(!ids(await store.listHooks(other.id, { limit: 10 })).includes(hook.id));
        assert.ok(!ids(await store.listEnabledHooks(other.id)).includes(hook.id));
        assert.deepEqual(await store.getHook(tenant.id, hook.id), hook, 'untouched');
      },
    );

    storeTest(target, 'updateHook changes only the patched fields and bumps updatedAt', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const patched = await store.updateHook(
        tenant.id,
        hook.id,
        { name: 'renamed', events: ['site.deleted'], oldSecrets: [{ secret: 's1', expiresAt: T0 + 9 }] },
        T0 + 100,
      );
      assert.deepEqual(patched, {
        ...hook,
        name: 'renamed',
        events: ['site.deleted'],
        oldSecrets: [{ secret: 's1', expiresAt: T0 + 9 }],
        updatedAt: T0 + 100,
      });
      const cleared = await store.updateHook(
        tenant.id,
        hook.id,
        { events: null, enabled: false, disabledReason: 'paused', failingSince: null, username: 'u' },
        T0 + 200,
      );
      assert.equal(cleared?.events, null);
      assert.equal(cleared?.enabled, false);
      assert.equal(cleared?.disabledReason, 'paused');
      assert.equal(cleared?.username, 'u');
      assert.equal(cleared?.name, 'renamed');
      const touched = await store.updateHook(tenant.id, hook.id, {}, T0 + 300);
      assert.equal(touched?.updatedAt, T0 + 300);
      assert.deepEqual(await store.getHook(tenant.id, hook.id), touched);
      assert.equal(await store.updateHook(tenant.id, 'hook_missing', { name: 'x' }, T0), null);
    });

    storeTest(
      target,
      'listHooks pages newest first with after = last id of the previous page',
      async ({ store }) => {
        const t = makeTenant();
        await store.createTenant(t);
        const hooks = [];
        for (let i = 0; i < 5; i++) {
          const h = makeHook(t.id, { name: `h${i}` });
          await store.createHook(h);
          hooks.push(h);
        }
        const newestFirst = ids(hooks).reverse();
        const page1 = await store.listHooks(t.id, { limit: 2 });
        assert.deepEqual(ids(page1), newestFirst.slice(0, 2));
        const page2 = await store.listHooks(t.id, { limit: 2, after: page1.at(-1)?.id });
        assert.deepEqual(ids(page2), newestFirst.slice(2, 4));
        const page3 = await store.listHooks(t.id, { limit: 2, after: page2.at(-1)?.id });
        assert.deepEqual(ids(page3), newestFirst.slice(4));
        assert.deepEqual(page3[0], hooks[0]);
      },
    );

    storeTest(target, 'listEnabledHooks returns only enabled hooks of the tenant', async ({ store }) => {
      const { tenant, hook } = await seedTenant(store);
      const off = makeHook(tenant.id, { enabled: false });
      await store.createHook(off);
      const second = makeHook(tenant.id);
      await store.createHook(second);
      await seedTenant(store, 'other');
      assert.deepEqual(ids(await store.listEnabledHooks(tenant.id)).sort(), [hook.id, second.id].sort());
    });

    storeTest(
      target,
      'deleteHook fails pending deliveries but keeps every delivery readable',
      async ({ store }) => {
        const { tenant, hook } = await seedTenant(store);
        const { event } = await insertOne(store, makeEvent(tenant.id), (e) => [
          makeDelivery(e, hook),
          makeDelivery(e, hook, { status: 'delivered', nextAttemptAt: null, deliveredAt: T0 }),
        ]);
        const [claimed] = await store.claimDue({ now: T0, limit: 10, leaseMs: 30_000, owner: 'w1' });
        assert.ok(claimed);

        assert.equal(await store.deleteHook(tenant.id, hook.id, T0 + 50), true);
        assert.equal(await store.getHook(tenant.id, hook.id), null);
        assert.equal(await store.deleteHook(tenant.id, hook.id, T0 + 60), false, 'already gone');

        const all = await store.listDeliveries(tenant.id, { hookId: hook.id, limit: 10 });
        assert.equal(all.length, 2);
        const failed = await store.getDelivery(tenant.id, claimed.delivery.id);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.lastError, 'hook deleted');
        assert.equal(failed?.leaseOwner, null);
        assert.equal(failed?.updatedAt, T0 + 50);
        const delivered = all.find((d) => d.id !== claimed.delivery.id);
        assert.equal(delivered?.status, 'delivered');
        assert.equal(delivered?.lastError, null);
        assert.ok(await store.getEvent(tenant.id, event.id), 'the event stays');

        // Even if something re-queues it, a delivery of a deleted hook is never claimed.
        await store.requeueDelivery(tenant.id, claimed.delivery.id, T0 + 70);
        assert.deepEqual(
          await store.claimDue({ now: T0 + 10_000, limit: 10, leaseMs: 1000, owner: 'w2' }),
          [],
        );
      },
    );
  });
}
