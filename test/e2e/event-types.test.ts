import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { requirePostgres } from '../helpers/pg.ts';

/**
 * Issue 17, must show 6: a tenant's own event types, from the outside. Create, list,
 * validate on publish, deliver, version on change, isolation between tenants, and what a
 * delete does.
 */
const invoiceSchema = {
  type: 'object',
  required: ['invoiceId', 'amount'],
  properties: { invoiceId: { type: 'string' }, amount: { type: 'number', minimum: 0 } },
};

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`tenant event types on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;
    let otherKey: string;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      h = await startHerald(backend);
      rx = await Receiver.start();
      const t = await h.api('POST', '/api/admin/tenants', { name: 'other' });
      const k = await h.api('POST', `/api/admin/tenants/${t.body.id}/keys`, { role: 'admin' });
      otherKey = k.body.key as string;
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    test('create, list, publish with validation, deliver, and version on change', async () => {
      const created = await h.api('POST', '/api/event-types', {
        name: 'invoice.paid',
        description: 'An invoice was paid.',
        schema: invoiceSchema,
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.version, 1);
      assert.equal(created.body.builtIn, false);
      assert.deepEqual(created.body.schema, invoiceSchema);

      const list = await h.api('GET', '/api/event-types');
      const names = (list.body.data as Array<{ event: string; builtIn: boolean }>).map((t) => t.event);
      assert.ok(names.includes('site.created'), 'built-in types are listed');
      assert.ok(names.includes('invoice.paid'), "the tenant's own type is listed");

      const hook = await h.api('POST', '/api/hooks', {
        name: 'invoices',
        url: `${rx.url}/invoices`,
        objects: [],
        events: ['invoice.paid'],
      });
      assert.equal(hook.status, 201, hook.text);

      const bad = await h.api('POST', '/api/events', { event: 'invoice.paid', data: { invoiceId: 7 } });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.error.code, 'INVALID_EVENT_DATA');
      const paths = (bad.body.error.details as Array<{ path: string }>).map((d) => d.path).sort();
      assert.deepEqual(paths, ['/data/amount', '/data/invoiceId']);

      const ok = await h.api('POST', '/api/events', {
        event: 'invoice.paid',
        eventID: 'inv-1',
        data: { invoiceId: 'A-1', amount: 12.5 },
      });
      assert.equal(ok.status, 202, ok.text);
      assert.equal(ok.body.deliveries.length, 1);
      const [got] = await rx.waitFor(1, (r) => r.path === '/invoices');
      const envelope = JSON.parse(got!.body);
      assert.equal(envelope.event, 'invoice.paid');
      assert.deepEqual(envelope.data, { invoiceId: 'A-1', amount: 12.5 });
      assert.equal((await h.api('GET', '/api/events/inv-1')).body.typeVersion, 1);

      // A new schema makes version 2: what version 1 accepted is refused, and the event says 2.
      const v2Schema = { ...invoiceSchema, required: ['invoiceId', 'amount', 'currency'] };
      const patched = await h.api('PATCH', '/api/event-types/invoice.paid', { schema: v2Schema });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.version, 2);
      const same = await h.api('PATCH', '/api/event-types/invoice.paid', { schema: v2Schema });
      assert.equal(same.body.version, 2, 'the same schema again is no new version');
      const old = await h.api('POST', '/api/events', {
        event: 'invoice.paid',
        data: { invoiceId: 'A', amount: 1 },
      });
      assert.equal(old.status, 400);
      assert.deepEqual(old.body.error.details, [{ path: '/data/currency', message: 'is required' }]);
      const v2 = await h.api('POST', '/api/events', {
        event: 'invoice.paid',
        eventID: 'inv-2',
        data: { invoiceId: 'A-2', amount: 3, currency: 'EUR' },
      });
      assert.equal(v2.status, 202, v2.text);
      await rx.waitFor(2, (r) => r.path === '/invoices');
      assert.equal((await h.api('GET', '/api/events/inv-2')).body.typeVersion, 2);
      assert.equal((await h.api('GET', '/api/events/inv-1')).body.typeVersion, 1, 'old events keep theirs');

      const detail = await h.api('GET', '/api/event-types/invoice.paid');
      assert.deepEqual(
        (detail.body.versions as Array<{ version: number }>).map((v) => v.version),
        [1, 2],
      );
    });

    test('names and schemas are checked: shape, built-in clash, invalid schema, duplicates', async () => {
      const cases: Array<[unknown, number, string]> = [
        [{ name: 'invoice', schema: {} }, 400, 'VALIDATION_FAILED'],
        [{ name: 'site.created', schema: {} }, 409, 'EVENT_TYPE_EXISTS'],
        [{ name: 'site.archived', schema: {} }, 400, 'VALIDATION_FAILED'],
        [{ name: 'order.shipped', schema: { type: 'nonsense' } }, 400, 'INVALID_SCHEMA'],
        [{ name: 'order.shipped' }, 400, 'VALIDATION_FAILED'],
      ];
      for (const [body, status, code] of cases) {
        const res = await h.api('POST', '/api/event-types', body);
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, code, JSON.stringify(body));
      }
      assert.equal(
        (await h.api('POST', '/api/event-types', { name: 'order.shipped', schema: {} })).status,
        201,
      );
      const dup = await h.api('POST', '/api/event-types', { name: 'order.shipped', schema: {} });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.code, 'EVENT_TYPE_EXISTS');
      const patchBuiltIn = await h.api('PATCH', '/api/event-types/site.created', { description: 'x' });
      assert.equal(patchBuiltIn.status, 400);
    });

    test("other tenants never see a tenant's types", async () => {
      await h.api('POST', '/api/event-types', { name: 'secret.thing', schema: { type: 'object' } });
      const key = otherKey;
      const list = await h.api('GET', '/api/event-types', undefined, { key });
      assert.ok(!(list.body.data as Array<{ event: string }>).some((t) => t.event === 'secret.thing'));
      assert.equal((await h.api('GET', '/api/event-types/secret.thing', undefined, { key })).status, 404);
      const patch = await h.api('PATCH', '/api/event-types/secret.thing', { description: 'x' }, { key });
      assert.equal(patch.status, 404);
      assert.equal((await h.api('DELETE', '/api/event-types/secret.thing', undefined, { key })).status, 404);
      const pub = await h.api('POST', '/api/events', { event: 'secret.thing', data: {} }, { key });
      assert.equal(pub.status, 400);
      assert.equal(pub.body.error.code, 'UNKNOWN_EVENT_TYPE');
      const hook = await h.api(
        'POST',
        '/api/hooks',
        { name: 'x', url: `${rx.url}/x`, objects: [], events: ['secret.thing'] },
        { key },
      );
      assert.equal(hook.status, 400);
      assert.equal(hook.body.error.code, 'UNKNOWN_EVENT_TYPE');
      // The other tenant may have a type of the same name, with its own schema and versions.
      const own = await h.api(
        'POST',
        '/api/event-types',
        { name: 'secret.thing', schema: { type: 'object', required: ['x'] } },
        { key },
      );
      assert.equal(own.status, 201, own.text);
      assert.equal((await h.api('POST', '/api/events', { event: 'secret.thing', data: {} })).status, 202);
    });

    test('a delete is refused while hooks name the type; stored events stay', async () => {
      await h.api('POST', '/api/event-types', { name: 'parcel.lost', schema: { type: 'object' } });
      const hook = await h.api('POST', '/api/hooks', {
        name: 'parcels',
        url: `${rx.url}/parcels`,
        objects: ['site'],
        events: ['parcel.lost'],
      });
      assert.equal(hook.status, 201, hook.text);
      await h.api('POST', '/api/events', { event: 'parcel.lost', eventID: 'p-1', data: { n: 1 } });
      await rx.waitFor(1, (r) => r.path === '/parcels');

      const refused = await h.api('DELETE', '/api/event-types/parcel.lost');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'EVENT_TYPE_IN_USE');
      assert.deepEqual(refused.body.error.details, { hooks: [hook.body.id] });

      await h.api('PATCH', `/api/hooks/${hook.body.id}`, { events: null });
      assert.equal((await h.api('DELETE', '/api/event-types/parcel.lost')).status, 204);
      assert.equal((await h.api('GET', '/api/event-types/parcel.lost')).status, 404);
      const pub = await h.api('POST', '/api/events', { event: 'parcel.lost', data: {} });
      assert.equal(pub.body.error.code, 'UNKNOWN_EVENT_TYPE');
      const stored = await h.api('GET', '/api/events/p-1');
      assert.equal(stored.status, 200);
      assert.equal(stored.body.typeVersion, 1);

      // Made again, the type continues its versions: version 1 still names only the old schema.
      const again = await h.api('POST', '/api/event-types', { name: 'parcel.lost', schema: {} });
      assert.equal(again.body.version, 2);
    });
  });
}
