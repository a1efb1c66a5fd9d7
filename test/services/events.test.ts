import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { BATCH_MAX } from '../../src/services/events.ts';
import { serviceFixture } from './core-deps.ts';

const site = (name: string) => ({
  event: 'site.created',
  data: {
    object: 'site',
    name,
    siteKey: '11jyv9d1NEnY',
    projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
    siteUrl: 'http://www.example.com',
  },
});
const rejectsWith = (code: string) => (err: unknown) => err instanceof HeraldError && err.code === code;

describe('EventService', () => {
  const f = serviceFixture();

  test('publishing fans out to the matching hooks and reads back by eventID or internal id', async () => {
    const { services, tenantId } = f();
    const hook = await services.hooks.create(tenantId, {
      name: 's',
      url: 'http://127.0.0.1:9/h',
      objects: ['site'],
    });
    await services.hooks.create(tenantId, { name: 'p', url: 'http://127.0.0.1:9/h', objects: ['project'] });
    const result = await services.events.publish(tenantId, { ...site('a'), eventID: 'evt-one' });
    assert.equal(result.created, true);
    assert.deepEqual(
      result.deliveries.map((d) => d.hookId),
      [hook.id],
    );
    const byEventID = await services.events.withDeliveries(tenantId, 'evt-one');
    assert.equal(byEventID.event.eventID, 'evt-one');
    assert.deepEqual(
      byEventID.deliveries.map((d) => d.id),
      result.deliveries.map((d) => d.id),
    );
    assert.deepEqual(await services.events.get(tenantId, byEventID.event.id), byEventID.event);
  });

  test('the same Idempotency-Key again reports the stored event and creates nothing', async () => {
    const { services, tenantId } = f();
    const first = await services.events.publish(tenantId, site('b'), 'key-1');
    const again = await services.events.publish(tenantId, site('c'), 'key-1');
    assert.equal(again.created, false);
    assert.equal(again.eventID, first.eventID);
  });

  test('an Idempotency-Key that is empty or longer than 200 characters is refused', async () => {
    const { services, tenantId } = f();
    await assert.rejects(services.events.publish(tenantId, site('d'), ''), rejectsWith('VALIDATION_FAILED'));
    await assert.rejects(
      services.events.publish(tenantId, site('d'), 'k'.repeat(201)),
      rejectsWith('VALIDATION_FAILED'),
    );
  });

  test('a batch over the limit is refused whole', async () => {
    const { services, tenantId } = f();
    const before = (await services.events.list(tenantId, { limit: 100 })).data.length;
    const events = Array.from({ length: BATCH_MAX + 1 }, (_, i) => site(`n${i}`));
    await assert.rejects(services.events.publishBatch(tenantId, events), rejectsWith('BATCH_TOO_LARGE'));
    assert.equal((await services.events.list(tenantId, { limit: 100 })).data.length, before);
    const two = await services.events.publishBatch(tenantId, [site('x'), site('y')]);
    assert.equal(two.length, 2);
  });

  test('events list newest first, by type, a page at a time', async () => {
    const { services, tenantId } = f();
    await services.events.publish(tenantId, site('p1'));
    await services.events.publish(tenantId, { ...site('p2'), event: 'site.updated' });
    const page = await services.events.list(tenantId, { limit: 1 });
    assert.equal(page.data.length, 1);
    assert.equal(page.data[0]!.type, 'site.updated');
    assert.ok(page.nextCursor);
    const sites = await services.events.list(tenantId, { limit: 100, type: 'site.created' });
    assert.ok(sites.data.every((e) => e.type === 'site.created'));
  });

  test('an unknown event is EVENT_NOT_FOUND', async () => {
    const { services, tenantId } = f();
    await assert.rejects(services.events.get(tenantId, 'nope'), rejectsWith('EVENT_NOT_FOUND'));
  });
});
