import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { ConsoleClient } from './helpers/client.ts';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

let h: TestHerald;
before(async () => {
  h = await startHerald('sqlite', { HERALD_ADMIN_EMAIL: ADMIN.email, HERALD_ADMIN_PASSWORD: ADMIN.password });
});
after(async () => {
  await h?.stop();
});

test("the console lists the built-in event types and the tenant's own, escaped", async () => {
  const created = await h.api('POST', '/api/event-types', {
    name: 'invoice.paid',
    description: '<script>alert(1)</script>',
    schema: { type: 'object', required: ['invoiceId'] },
  });
  assert.equal(created.status, 201, created.text);
  await h.api('PATCH', '/api/event-types/invoice.paid', { schema: { type: 'object' } });

  const c = new ConsoleClient(h.url);
  await c.login(ADMIN.email, ADMIN.password);
  const res = await c.get('/events/types');
  assert.equal(res.status, 200);
  const own = res.text.slice(res.text.indexOf('id="own-title"'), res.text.indexOf('id="builtin-title"'));
  assert.match(own, /<code>invoice\.paid<\/code>/);
  assert.match(own, /<td>2<\/td>/, 'its current version');
  assert.ok(own.includes('&lt;script&gt;'), 'the description is escaped');
  assert.ok(!res.text.includes('<script>alert(1)'));
  const builtIn = res.text.slice(res.text.indexOf('id="builtin-title"'));
  assert.match(builtIn, /<code>site\.created<\/code>/);
  const events = (await c.get('/events')).text;
  assert.match(events, /href="\/events\/types"/);
  assert.match(events, /<option value="invoice\.paid"/, 'the events filter offers the own type');
});
