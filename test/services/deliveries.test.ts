import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { serviceFixture, storeDeliveries } from './core-deps.ts';

const rejectsWith = (code: string) => (err: unknown) => err instanceof HeraldError && err.code === code;
const hookInput = { name: 'h', url: 'http://127.0.0.1:9/h', objects: ['site'] };

describe('DeliveryService', () => {
  const f = serviceFixture();
  beforeEach(() => f().engine.reset());

  test('a delivery names its event by the eventID the receiver sees', async () => {
    const { services, store, tenantId } = f();
    const hook = await services.hooks.create(tenantId, hookInput);
    const { event, deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'pending', createdAt: Date.now() },
    ]);
    const entry = await services.deliveries.get(tenantId, deliveries[0]!.id);
    assert.equal(entry.event?.eventID, event.eventID);
    assert.equal(entry.delivery.eventRowId, event.id);
    const withAttempts = await services.deliveries.withAttempts(tenantId, deliveries[0]!.id);
    assert.deepEqual(withAttempts.attempts, []);
  });

  test('redelivering re-queues the delivery with a fresh schedule and wakes the engine', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, hookInput);
    const { deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'failed', createdAt: Date.now() },
    ]);
    const entry = await services.deliveries.redeliver(tenantId, deliveries[0]!.id);
    assert.equal(entry.delivery.status, 'pending');
    assert.equal(entry.delivery.schedulePos, 0);
    assert.ok(entry.event);
    assert.equal(engine.wakes, 1);
  });

  test('a delivery of a deleted hook cannot be redelivered', async () => {
    const { services, store, tenantId, engine } = f();
    const hook = await services.hooks.create(tenantId, hookInput);
    const { deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'failed', createdAt: Date.now() },
    ]);
    await services.hooks.delete(tenantId, hook.id);
    engine.reset();
    await assert.rejects(
      services.deliveries.redeliver(tenantId, deliveries[0]!.id),
      rejectsWith('HOOK_NOT_FOUND'),
    );
    assert.equal(engine.wakes, 0);
  });

  test("an unknown delivery, or another tenant's, is DELIVERY_NOT_FOUND", async () => {
    const { services, store, tenantId } = f();
    const hook = await services.hooks.create(tenantId, hookInput);
    const { deliveries } = await storeDeliveries(store, tenantId, [
      { hookId: hook.id, status: 'failed', createdAt: Date.now() },
    ]);
    const other = await services.tenants.create('other');
    await assert.rejects(
      services.deliveries.get(other.id, deliveries[0]!.id),
      rejectsWith('DELIVERY_NOT_FOUND'),
    );
    await assert.rejects(
      services.deliveries.redeliver(other.id, deliveries[0]!.id),
      rejectsWith('DELIVERY_NOT_FOUND'),
    );
    await assert.rejects(services.deliveries.get(tenantId, 'dlv_nope'), rejectsWith('DELIVERY_NOT_FOUND'));
  });

  test('the list filters by hook and status and looks the events up once per page', async () => {
    const { services, store, tenantId } = f();
    const a = await services.hooks.create(tenantId, hookInput);
    const b = await services.hooks.create(tenantId, hookInput);
    const now = Date.now();
    const { event } = await storeDeliveries(store, tenantId, [
      { hookId: a.id, status: 'failed', createdAt: now },
      { hookId: a.id, status: 'delivered', createdAt: now + 1 },
      { hookId: b.id, status: 'failed', createdAt: now + 2 },
    ]);
    const page = await services.deliveries.list(tenantId, { hookId: a.id, status: 'failed', limit: 10 });
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0]!.event?.eventID, event.eventID);
    const ofEvent = await services.deliveries.list(tenantId, { eventRowId: event.id, limit: 2 });
    assert.equal(ofEvent.data.length, 2);
    assert.ok(ofEvent.nextCursor);
  });
});
