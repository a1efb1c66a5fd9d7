import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { ConsoleClient } from './helpers/client.ts';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

/** The text of the error paragraph with this id, tags removed. */
function textOf(page: string, id: string): string {
  const at = page.indexOf(`id="${id}"`);
  if (at === -1) return '';
  const rest = page.slice(page.indexOf('>', at) + 1);
  return rest
    .slice(0, rest.indexOf('</p>'))
    .replace(/<[^>]+>/g, '')
    .trim();
}

/** Issue 17 in the console: the hook form's delivery options, and what a FIFO hook holds (and the API's view of it). */
describe('console: hook delivery options', () => {
  let h: TestHerald;
  let rx: Receiver;
  before(async () => {
    h = await startHerald('sqlite', {
      HERALD_ADMIN_EMAIL: ADMIN.email,
      HERALD_ADMIN_PASSWORD: ADMIN.password,
    });
    rx = await Receiver.start();
  });
  after(async () => {
    // The receiver first: its hanging request then ends at once instead of holding the stop.
    await rx?.close();
    await h?.stop();
  });
  const signedIn = async () => {
    const c = new ConsoleClient(h.url);
    await c.login(ADMIN.email, ADMIN.password);
    return c;
  };
  const base = (url: string) => ({
    name: 'opts',
    url,
    objects: ['site'],
    events: '',
    username: '',
    password: '',
  });

  test('the form sets headers, filter, rate limit and ordering, and explains a refused one', async () => {
    const c = await signedIn();
    await c.get('/settings/hooks/new');
    const bad = await c.post('/settings/hooks/new', {
      ...base(`${rx.url}/x`),
      headers: 'Webhook-Id: mine',
      filter: 'not json',
      rateLimit: '0',
      ordering: 'none',
      orderingKey: '',
    });
    assert.equal(bad.status, 400);
    assert.match(textOf(bad.text, 'hook-headers-error'), /header &quot;Webhook-Id&quot; is set by Herald/);
    assert.match(textOf(bad.text, 'hook-filter-error'), /must be a JSON Schema/);
    assert.match(textOf(bad.text, 'hook-rate-limit-error'), /from 1 to 10000/);

    const ok = await c.post('/settings/hooks/new', {
      ...base(`${rx.url}/ok`),
      headers: 'X-Tenant: acme\nX-Env: test',
      filter: '{"properties": {"event": {"const": "site.created"}}}',
      rateLimit: '20',
      ordering: 'fifo',
      orderingKey: '/data/projectID',
    });
    assert.equal(ok.status, 303);
    const hooks = (await h.api('GET', '/api/hooks')).body.data as Array<Record<string, unknown>>;
    const hook = hooks.find((x) => x['url'] === `${rx.url}/ok`)!;
    assert.deepEqual(hook['headers'], { 'X-Tenant': 'acme', 'X-Env': 'test' });
    assert.deepEqual(hook['filter'], { properties: { event: { const: 'site.created' } } });
    assert.equal(hook['rateLimit'], 20);
    assert.equal(hook['ordering'], 'fifo');
    assert.equal(hook['orderingKey'], '/data/projectID');
    const edit = await c.get(`/settings/hooks/${String(hook['id'])}/edit`);
    assert.match(edit.text, /X-Tenant: acme/, 'the edit form shows the stored values');
  });

  test("a FIFO hook's page shows what is held, behind which delivery", async () => {
    // The first request hangs (until the 15 s delivery deadline): the head stays in flight, the rest wait.
    rx.respondOn('/held', { hang: true });
    const created = await h.api('POST', '/api/hooks', {
      name: 'held',
      url: `${rx.url}/held`,
      objects: ['site'],
      ordering: 'fifo',
    });
    const data = { object: 'site', name: 's', siteKey: 'k', projectID: 'p', siteUrl: 'http://x.example' };
    const pub = await h.api('POST', '/api/events/batch', {
      events: [1, 2, 3].map((i) => ({ event: 'site.created', eventID: `held-${i}`, data })),
    });
    assert.equal(pub.status, 202);
    await rx.waitFor(1, (r) => r.path === '/held');
    const c = await signedIn();
    const page = await c.get(`/settings/hooks/${created.body.id}`);
    assert.match(page.text, /Held in order/);
    const mine = (pub.body.data[0].deliveries as Array<{ id: string; hookId: string }>).filter(
      (d) => d.hookId === created.body.id,
    );
    const head = mine[0]!.id;
    assert.ok(page.text.includes(`<a href="/deliveries/${head}">`), 'held by the first');
    assert.match(page.text, /<td>2<\/td>/, 'two wait behind it');
    const queues = await h.api('GET', `/api/hooks/${created.body.id}/queues`);
    assert.equal(queues.status, 200);
    assert.deepEqual(
      (queues.body.data as Array<{ key: string; pending: number; headId: string }>).map((q) => [
        q.key,
        q.pending,
        q.headId,
      ]),
      [['', 3, head]],
      'the API shows the same',
    );
  });
});
