import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { HookInvalid } from '../../src/services/hook-rules.ts';
import type { NewHook } from '../../src/services/hooks.ts';
import { serviceFixture, storeDeliveries } from './core-deps.ts';

const HOUR = 3_600_000;
const input = (over: Partial<NewHook> = {}): NewHook => ({
  name: 'sites',
  url: 'http://127.0.0.1:9000/hook',
  objects: ['site'],
  ...over,
});

const rejectsWith = (code: string) => (err: unknown) => {
  assert.ok(err instanceof HeraldError, String(err));
  assert.equal(err.code, code);
  return true;
};

describe('HookService', () => {
  const f = serviceFixture({ HERALD_SECRET_GRACE_SEC: '3600' });
  beforeEach(() => f().engine.reset());

  test('creating a hook mints an id and a secret, trims the name, and defaults to enabled with every event', async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input({ name: '  sites  ', events: [] }));
    assert.match(hook.id, /^hook_/);
    assert.match(hook.secret, /^whsec_/);
    assert.equal(hook.name, 'sites');
    assert.equal(hook.enabled, true);
    assert.equal(hook.events, null);
    assert.deepEqual(await services.hooks.get(tenantId, hook.id), hook);
  });

  test('a hook aimed at a private address is refused and nothing is stored', async () => {
    const { services, tenantId } = f();
    const before = (await services.hooks.list(tenantId, { limit: 100 })).data.length;
    await assert.rejects(
      services.hooks.create(tenantId, input({ url: 'http://10.0.0.1/x' })),
      rejectsWith('TARGET_BLOCKED'),
    );
    assert.equal((await services.hooks.list(tenantId, { limit: 100 })).data.length, before);
  });

  test('every problem is reported, in the order of the fields, and the first is the error', async () => {
    const { services, tenantId } = f();
    const err = await services.hooks
      .create(tenantId, { name: ' ', url: 'ftp://x', objects: [], username: 'u' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HookInvalid);
    assert.equal(err.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      err.problems.map((p) => [p.field, p.reason]),
      [
        ['name', 'blank'],
        ['url', 'invalidUrl'],
        ['objects', 'noObjects'],
        ['password', 'missingPair'],
      ],
    );
    assert.deepEqual(err.details, [{ path: '/name', message: 'name must not be blank' }]);
  });

  test('an event of an object the hook does not receive, or an unknown one, is refused', async () => {
    const { services, tenantId } = f();
    await assert.rejects(
      services.hooks.create(tenantId, input({ events: ['project.created'] })),
      rejectsWith('VALIDATION_FAILED'),
    );
    await assert.rejects(
      services.hooks.create(tenantId, input({ events: ['site.exploded'] })),
      rejectsWith('UNKNOWN_EVENT_TYPE'),
    );
    await assert.rejects(
      services.hooks.create(tenantId, input({ events: ['ping'] })),
      rejectsWith('UNKNOWN_EVENT_TYPE'),
    );
  });

  test('disabling a hook tells the engine', async () => {
    const { services, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    const off = await services.hooks.setEnabled(tenantId, hook.id, false);
    assert.equal(off.enabled, false);
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
    assert.equal(engine.wakes, 0);
  });

  test('turning a hook back on clears its failure state, tells the engine and wakes it', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    await store.updateHook(
      tenantId,
      hook.id,
      { enabled: false, failingSince: 1, disabledReason: 'kept failing' },
      2,
    );
    const on = await services.hooks.update(tenantId, hook.id, { enabled: true });
    assert.equal(on.enabled, true);
    assert.equal(on.failingSince, null);
    assert.equal(on.disabledReason, null);
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
    assert.equal(engine.wakes, 1);
  });

  test('renaming a hook or changing its objects does not bother the engine', async () => {
    const { services, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    const renamed = await services.hooks.update(tenantId, hook.id, {
      name: ' renamed ',
      objects: ['site', 'project'],
    });
    assert.equal(renamed.name, 'renamed');
    assert.deepEqual(engine.changed, []);
    assert.equal(engine.wakes, 0);
  });

  test('a URL change tells the engine', async () => {
    const { services, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    await services.hooks.update(tenantId, hook.id, { url: 'http://127.0.0.1:9000/other' });
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
  });

  test('a URL change to another origin clears the credentials', async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input({ username: 'u', password: 'p' }));
    for (const url of [
      'http://127.0.0.2:9000/hook',
      'https://127.0.0.2:9000/hook',
      'http://127.0.0.2:9001/hook',
    ]) {
      await services.hooks.update(tenantId, hook.id, {
        url: 'http://127.0.0.1:9000/hook',
        username: 'u',
        password: 'p',
      });
      const moved = await services.hooks.update(tenantId, hook.id, { url });
      assert.equal(moved.username, null, url);
      assert.equal(moved.password, null, url);
    }
  });

  test('a URL change on the same origin keeps the credentials', async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input({ username: 'u', password: 'p' }));
    const moved = await services.hooks.update(tenantId, hook.id, { url: 'http://127.0.0.1:9000/elsewhere' });
    assert.equal(moved.username, 'u');
    assert.equal(moved.password, 'p');
  });

  test('new credentials sent with a URL on another origin are kept', async () => {
    const { services, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input({ username: 'u', password: 'p' }));
    const moved = await services.hooks.update(tenantId, hook.id, {
      url: 'http://127.0.0.2:9000/hook',
      username: 'u2',
      password: 'p2',
    });
    assert.equal(moved.username, 'u2');
    assert.equal(moved.password, 'p2');
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
  });

  test('a username alone with a URL on another origin asks for the password again, and nothing changes', async () => {
    const { services, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input({ username: 'u', password: 'p' }));
    const err = await services.hooks
      .update(tenantId, hook.id, { url: 'http://127.0.0.2:9000/hook', username: 'u' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HookInvalid);
    assert.deepEqual(
      err.problems.map((p) => [p.field, p.reason]),
      [['password', 'passwordForNewOrigin']],
    );
    assert.deepEqual(await services.hooks.get(tenantId, hook.id), hook);
    assert.deepEqual(engine.changed, []);
  });

  test('an empty change is refused', async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input());
    await assert.rejects(services.hooks.update(tenantId, hook.id, {}), rejectsWith('VALIDATION_FAILED'));
  });

  test('deleting a hook tells the engine and fails its pending deliveries', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    const { deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'pending', createdAt: Date.now() },
    ]);
    await services.hooks.delete(tenantId, hook.id);
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
    assert.equal((await store.getDelivery(tenantId, deliveries[0]!.id))?.status, 'failed');
    await assert.rejects(services.hooks.get(tenantId, hook.id), rejectsWith('HOOK_NOT_FOUND'));
    await assert.rejects(services.hooks.delete(tenantId, hook.id), rejectsWith('HOOK_NOT_FOUND'));
  });

  test('rotating the secret keeps the old one signing through the grace period and tells the engine', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    const now = Date.now();
    const rotated = await services.hooks.rotateSecret(tenantId, hook.id, now);
    assert.notEqual(rotated.secret, hook.secret);
    assert.deepEqual(rotated.previous, [{ expiresAt: now + HOUR }]);
    assert.deepEqual(await services.hooks.secret(tenantId, hook.id, now), rotated);
    assert.deepEqual((await store.getHook(tenantId, hook.id))?.oldSecrets, [
      { secret: hook.secret, expiresAt: now + HOUR },
    ]);
    assert.deepEqual(engine.changed, [{ tenantId, hookId: hook.id }]);
  });

  test('a test ping goes to this hook only, and a disabled hook refuses it', async () => {
    const { services, tenantId } = f();
    const a = await services.hooks.create(tenantId, input());
    await services.hooks.create(tenantId, input({ name: 'other' }));
    const ping = await services.hooks.sendTest(tenantId, a.id);
    assert.equal(ping.event, 'ping');
    assert.deepEqual(
      ping.deliveries.map((d) => d.hookId),
      [a.id],
    );
    await services.hooks.setEnabled(tenantId, a.id, false);
    await assert.rejects(services.hooks.sendTest(tenantId, a.id), rejectsWith('HOOK_DISABLED'));
  });

  test('recover re-queues only failed deliveries since the time and wakes the engine', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, input());
    const other = await services.hooks.create(tenantId, input({ name: 'other' }));
    const now = Date.now();
    const { deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'failed', createdAt: now - 2 * HOUR },
      { hookId: hook.id, status: 'failed', createdAt: now - 10 * HOUR },
      { hookId: hook.id, status: 'delivered', createdAt: now - HOUR },
      { hookId: other.id, status: 'failed', createdAt: now - HOUR },
    ]);
    const requeued = await services.hooks.recover(tenantId, hook.id, now - 3 * HOUR, now);
    assert.equal(requeued, 1);
    assert.equal(engine.wakes, 1);
    const statuses = await Promise.all(
      deliveries.map(async (d) => (await store.getDelivery(tenantId, d.id))?.status),
    );
    assert.deepEqual(statuses, ['pending', 'failed', 'delivered', 'failed']);

    engine.reset();
    assert.equal(await services.hooks.recover(tenantId, hook.id, now - 3 * HOUR, now), 0);
    assert.equal(engine.wakes, 0, 'nothing re-queued, nothing to wake for');
    await assert.rejects(
      services.hooks.recover(tenantId, hook.id, Number.NaN),
      rejectsWith('VALIDATION_FAILED'),
    );
  });

  test("a hook's deliveries name their event by its eventID, newest first, a page at a time", async () => {
    const { services, store, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input());
    const now = Date.now();
    const { event } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'failed', createdAt: now - 2 },
      { hookId: hook.id, status: 'delivered', createdAt: now - 1 },
    ]);
    const first = await services.hooks.deliveries(tenantId, hook.id, { limit: 1 });
    assert.equal(first.data.length, 1);
    assert.equal(first.data[0]!.delivery.status, 'delivered');
    assert.deepEqual(first.data[0]!.event, { id: event.id, eventID: event.eventID, type: 'site.created' });
    assert.ok(first.nextCursor);
    const second = await services.hooks.deliveries(tenantId, hook.id, { limit: 1, after: first.nextCursor });
    assert.equal(second.data[0]!.delivery.status, 'failed');
    assert.equal(second.nextCursor, null);
    const failed = await services.hooks.deliveries(tenantId, hook.id, { limit: 10, status: 'failed' });
    assert.equal(failed.data.length, 1);
  });

  test("another tenant's hook is reported as missing", async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, input());
    const other = await services.tenants.create('other');
    await assert.rejects(services.hooks.get(other.id, hook.id), rejectsWith('HOOK_NOT_FOUND'));
    await assert.rejects(
      services.hooks.update(other.id, hook.id, { enabled: false }),
      rejectsWith('HOOK_NOT_FOUND'),
    );
    await assert.rejects(services.hooks.delete(other.id, hook.id), rejectsWith('HOOK_NOT_FOUND'));
  });
});
