import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget, sqliteTarget, type StoreTarget } from '../helpers/store-targets.ts';
import { makeHook, makeTenant, storeTest, T0 } from './conformance/fixtures.ts';

/** EventTypeStore (migration 012): one suite, run on SQLite and on PostgreSQL. */
function runEventTypeConformance(target: StoreTarget): void {
  const type = (tenantId: string, name: string, schema = '{"type":"object"}') => ({
    tenantId,
    name,
    description: null,
    schema,
    createdAt: T0,
    updatedAt: T0,
  });

  storeTest(
    target,
    'a type is created once; a schema change is a new version, the same schema is not',
    async (f) => {
      const t = makeTenant();
      await f.store.createTenant(t);
      const types = f.store.eventTypes;
      assert.equal((await types.create(type(t.id, 'invoice.paid')))?.version, 1);
      assert.equal(await types.create(type(t.id, 'invoice.paid')), null);
      assert.equal(
        (await types.update(t.id, 'invoice.paid', { schema: '{"type":"object"}' }, T0 + 1))?.version,
        1,
      );
      const v2 = await types.update(t.id, 'invoice.paid', { schema: '{}', description: 'Paid.' }, T0 + 2);
      assert.equal(v2?.version, 2);
      const read = await types.get(t.id, 'invoice.paid');
      assert.deepEqual(
        {
          version: read?.version,
          schema: read?.schema,
          description: read?.description,
          updatedAt: read?.updatedAt,
        },
        { version: 2, schema: '{}', description: 'Paid.', updatedAt: T0 + 2 },
      );
      assert.equal((await types.update(t.id, 'invoice.paid', { description: null }, T0 + 3))?.version, 2);
      assert.deepEqual(
        (await types.versions(t.id, 'invoice.paid')).map((v) => [v.version, v.schema]),
        [
          [1, '{"type":"object"}'],
          [2, '{}'],
        ],
      );
      assert.equal(await types.update(t.id, 'nothing.here', { schema: '{}' }, T0), null);
    },
  );

  storeTest(target, 'concurrent creates of one name from two stores create it exactly once', async (f) => {
    const t = makeTenant();
    await f.store.createTenant(t);
    const other = await f.openAnother();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 ? other : f.store).eventTypes.create(type(t.id, 'order.made')),
      ),
    );
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.deepEqual(
      (await f.store.eventTypes.versions(t.id, 'order.made')).map((v) => v.version),
      [1],
    );
  });

  storeTest(target, 'a delete is refused while a hook names the type; history outlives it', async (f) => {
    const t = makeTenant();
    await f.store.createTenant(t);
    const types = f.store.eventTypes;
    await types.create(type(t.id, 'parcel.lost'));
    await types.update(t.id, 'parcel.lost', { schema: '{}' }, T0 + 1);
    const hook = makeHook(t.id, { objects: [], events: ['parcel.lost'] });
    await f.store.createHook(hook);
    assert.deepEqual(await types.delete(t.id, 'parcel.lost'), { deleted: false, hooks: [hook.id] });
    await f.store.updateHook(t.id, hook.id, { events: null, objects: ['site'] }, T0 + 2);
    assert.deepEqual(await types.delete(t.id, 'parcel.lost'), { deleted: true, hooks: [] });
    assert.deepEqual(await types.delete(t.id, 'parcel.lost'), { deleted: false, hooks: [] });
    assert.equal(await types.get(t.id, 'parcel.lost'), null);
    assert.equal((await types.create(type(t.id, 'parcel.lost')))?.version, 3, 'numbering continues');
  });

  storeTest(target, "another tenant's types are missing, and its names are its own", async (f) => {
    const a = makeTenant('a');
    const b = makeTenant('b');
    await f.store.createTenant(a);
    await f.store.createTenant(b);
    const types = f.store.eventTypes;
    await types.create(type(a.id, 'thing.done'));
    assert.equal(await types.get(b.id, 'thing.done'), null);
    assert.deepEqual(await types.list(b.id, 10), []);
    assert.equal(await types.count(b.id), 0);
    assert.equal(await types.update(b.id, 'thing.done', { schema: '{}' }, T0), null);
    assert.deepEqual(await types.delete(b.id, 'thing.done'), { deleted: false, hooks: [] });
    assert.equal((await types.create(type(b.id, 'thing.done', '{}')))?.version, 1);
    assert.deepEqual(
      (await types.list(a.id, 10)).map((x) => [x.name, x.schema]),
      [['thing.done', '{"type":"object"}']],
    );
  });
}

describe('EventTypeStore on SQLite', () => {
  runEventTypeConformance(sqliteTarget());
});

describe('EventTypeStore on PostgreSQL', { skip: await pgSkipReason() }, () => {
  runEventTypeConformance(postgresTarget(['event_type_versions', 'event_types', ...CORE_TABLES]));
});
