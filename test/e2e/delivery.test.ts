import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';
import { verifyWebhook } from '../../packages/verify/src/index.ts';
import { requirePostgres } from '../helpers/pg.ts';

const site = (name: string) => ({
  object: 'site',
  name,
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
});

const project = (name: string) => ({
  object: 'project',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  name,
  description: 'Project to do testing of my awesome website',
  dateAdded: 1480977198796,
  lastmod: 1480977198796,
  defaultItem: 1,
  apiDefaultCertainty: 0,
  apiDefaultLevel: 'AAA',
  apiDefaultPriority: 0,
  apiDefaultStore: 1,
  apiDefaultUAString: 'Mozilla/5.0',
  apiDefaultViewportHeight: 768,
  apiDefaultViewportWidth: 1024,
});

async function waitUntil<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  // Polls the API (state lives in the database); each round awaits a real response.
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`delivery end to end on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      h = await startHerald(backend);
      rx = await Receiver.start();
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });
    // Each test starts with no hooks, so its events reach only the hooks it made.
    beforeEach(async () => {
      if (!h) return;
      const hooks = await h.api('GET', '/api/hooks?limit=100');
      for (const hook of hooks.body.data as Array<{ id: string }>)
        await h.api('DELETE', `/api/hooks/${hook.id}`);
    });

    const createHook = async (body: Record<string, unknown>, key?: string) => {
      const res = await h.api(
        'POST',
        '/api/hooks',
        { name: 'hook', url: `${rx.url}/in`, objects: ['site'], ...body },
        { key },
      );
      assert.equal(res.status, 201, res.text);
      return res.body as { id: string; secret: string };
    };

    test('fans out by object and event, with exactly the seed envelope, signed', async () => {
      const path = `/fanout-${backend}`;
      const sites = await createHook({ url: `${rx.url}${path}/sites`, objects: ['site'] });
      const onlyCreated = await createHook({
        url: `${rx.url}${path}/created`,
        objects: ['site', 'project'],
        events: ['project.created'],
      });
      await createHook({ url: `${rx.url}${path}/apilog`, objects: ['apiLog'] });

      const pub = await h.api('POST', '/api/events', {
        event: 'site.created',
        data: site('My Example Site'),
      });
      assert.equal(pub.status, 202, pub.text);
      assert.equal(pub.body.deliveries.length, 1);
      const pub2 = await h.api('POST', '/api/events', { event: 'project.created', data: project('Awesome') });
      assert.equal(pub2.body.deliveries.length, 1);
      const pub3 = await h.api('POST', '/api/events', {
        event: 'project.updated',
        data: project('Awesome 2'),
      });
      assert.equal(pub3.body.deliveries.length, 0, 'no hook wants project.updated');

      const [got] = await rx.waitFor(1, (r) => r.path === `${path}/sites`);
      const body = JSON.parse(got!.body);
      assert.deepEqual(Object.keys(body), ['eventID', 'event', 'dateAdded', 'data']);
      assert.equal(body.eventID, pub.body.eventID);
      assert.equal(body.event, 'site.created');
      assert.equal(typeof body.dateAdded, 'number');
      assert.deepEqual(body.data, site('My Example Site'));
      assertValidWebhook(body);
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.match(String(got!.headers['user-agent']), /^Herald\/\d+\.\d+\.\d+$/);
      // A verifier we did not write.
      const verified = new Webhook(sites.secret).verify(got!.body, got!.headers as Record<string, string>);
      assert.deepEqual(verified, body);
      assert.deepEqual(verifyWebhook(sites.secret, got!.headers as Record<string, string>, got!.body), body);

      const [created] = await rx.waitFor(1, (r) => r.path === `${path}/created`);
      assert.equal(JSON.parse(created!.body).event, 'project.created');
      new Webhook(onlyCreated.secret).verify(created!.body, created!.headers as Record<string, string>);
      assert.equal(rx.requests.filter((r) => r.path === `${path}/apilog`).length, 0);

      const ev = await h.api('GET', `/api/events/${pub.body.eventID}`);
      assert.equal(ev.status, 200);
      assert.equal(ev.body.deliveries.length, 1);
    });

    test('retries after 500, timeout and connection reset, logging every attempt', async () => {
      const path = `/retry-${backend}`;
      await createHook({ url: `${rx.url}${path}` });
      rx.respondOn(path, { status: 500, body: 'boom' }, { reset: true });
      const pub = await h.api('POST', '/api/events', { event: 'site.updated', data: site('retry') });
      const dlv = pub.body.deliveries[0].id as string;
      const arrivals = await rx.waitFor(3, (r) => r.path === path);
      assert.equal(
        new Set(arrivals.map((r) => r.headers['webhook-id'])).size,
        1,
        'same webhook-id on every retry',
      );
      const done = await waitUntil(async () => {
        const d = await h.api('GET', `/api/deliveries/${dlv}`);
        return d.body.status === 'delivered' && d.body;
      }, 'delivered');
      assert.equal(done.attempts, 3);
      const log = done.attemptLog as Array<{
        response: { status: number; body: string } | null;
        error: string | null;
        request: { headers: Record<string, string> };
      }>;
      assert.equal(log[0]!.response!.status, 500);
      assert.equal(log[0]!.response!.body, 'boom');
      assert.equal(log[0]!.error, 'HTTP 500');
      assert.equal(log[1]!.response, null);
      assert.ok(log[1]!.error, 'reset is recorded as an error');
      assert.equal(log[2]!.response!.status, 204);
      assert.ok(log[2]!.request.headers['webhook-signature']);
    });

    test('a receiver that does not answer times out and is retried', async () => {
      const slow = await startHerald(backend, { HERALD_DELIVERY_TIMEOUT_MS: '300' });
      try {
        const path = `/timeout-${backend}`;
        const res = await slow.api('POST', '/api/hooks', {
          name: 't',
          url: `${rx.url}${path}`,
          objects: ['site'],
        });
        rx.respondOn(path, { hang: true });
        const pub = await slow.api('POST', '/api/events', { event: 'site.created', data: site('slow') });
        await rx.waitFor(2, (r) => r.path === path);
        const d = await waitUntil(async () => {
          const d = await slow.api('GET', `/api/deliveries/${pub.body.deliveries[0].id}`);
          return d.body.status === 'delivered' && d.body;
        }, 'delivered after timeout');
        assert.match(d.attemptLog[0].error, /timeout/);
        assert.equal(res.status, 201);
      } finally {
        await slow.stop();
      }
    });

    test('gives up when the schedule is used up, then redeliver and recover send again', async () => {
      const path = `/giveup-${backend}`;
      const hook = await createHook({ url: `${rx.url}${path}` });
      rx.respondOn(path, { status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
      const pub = await h.api('POST', '/api/events', { event: 'site.deleted', data: site('gone') });
      const id = pub.body.deliveries[0].id as string;
      const failed = await waitUntil(async () => {
        const d = await h.api('GET', `/api/deliveries/${id}`);
        return d.body.status === 'failed' && d.body;
      }, 'failed');
      assert.equal(failed.attempts, 4);
      const list = await h.api('GET', `/api/hooks/${hook.id}/deliveries?status=failed`);
      assert.deepEqual(
        list.body.data.map((d: { id: string }) => d.id),
        [id],
      );

      const re = await h.api('POST', `/api/deliveries/${id}/redeliver`);
      assert.equal(re.status, 202);
      await rx.waitFor(5, (r) => r.path === path);
      await waitUntil(
        async () => (await h.api('GET', `/api/deliveries/${id}`)).body.status === 'delivered',
        'redelivered',
      );

      // Fail a second one for good, then recover the hook's failures.
      rx.respondOn(path, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
      const pub2 = await h.api('POST', '/api/events', { event: 'site.deleted', data: site('gone 2') });
      const id2 = pub2.body.deliveries[0].id as string;
      await waitUntil(
        async () => (await h.api('GET', `/api/deliveries/${id2}`)).body.status === 'failed',
        'failed 2',
      );
      const rec = await h.api('POST', `/api/hooks/${hook.id}/recover`, {
        since: new Date(Date.now() - 60_000).toISOString(),
      });
      assert.equal(rec.status, 202);
      assert.equal(rec.body.requeued, 1);
      await waitUntil(
        async () => (await h.api('GET', `/api/deliveries/${id2}`)).body.status === 'delivered',
        'recovered',
      );
    });

    test('honours Retry-After', async () => {
      const path = `/retry-after-${backend}`;
      await createHook({ url: `${rx.url}${path}` });
      rx.respondOn(path, { status: 429, headers: { 'retry-after': '2' } });
      await h.api('POST', '/api/events', { event: 'site.created', data: site('ra') });
      const [first, second] = await rx.waitFor(2, (r) => r.path === path);
      const gap = second!.at - first!.at;
      assert.ok(gap >= 1900, `second attempt came ${gap} ms after the first; Retry-After asked for 2 s`);
    });

    test('a repeated eventID or Idempotency-Key creates nothing new and returns the first answer', async () => {
      const path = `/idem-${backend}`;
      await createHook({ url: `${rx.url}${path}` });
      const body = { event: 'site.created', data: site('once'), eventID: `fixed-${backend}` };
      const a = await h.api('POST', '/api/events', body);
      const b = await h.api('POST', '/api/events', { ...body, data: site('changed') });
      assert.equal(a.status, 202);
      assert.equal(b.status, 202);
      assert.deepEqual(b.body, a.body);
      const k1 = await h.api(
        'POST',
        '/api/events',
        { event: 'site.created', data: site('k') },
        { headers: { 'idempotency-key': `k-${backend}` } },
      );
      const k2 = await h.api(
        'POST',
        '/api/events',
        { event: 'site.created', data: site('k') },
        { headers: { 'idempotency-key': `k-${backend}` } },
      );
      assert.deepEqual(k2.body, k1.body);
      await rx.waitFor(2, (r) => r.path === path);
      const events = await h.api('GET', '/api/events?limit=100');
      assert.equal(events.body.data.filter((e: { eventID: string }) => e.eventID === body.eventID).length, 1);
      assert.equal(rx.requests.filter((r) => r.path === path).length, 2);
    });

    test('secret rotation signs with both secrets during the grace period', async () => {
      const path = `/rotate-${backend}`;
      const hook = await createHook({ url: `${rx.url}${path}` });
      const rot = await h.api('POST', `/api/hooks/${hook.id}/rotate-secret`);
      assert.equal(rot.status, 200);
      assert.notEqual(rot.body.secret, hook.secret);
      const secret = await h.api('GET', `/api/hooks/${hook.id}/secret`);
      assert.equal(secret.body.secret, rot.body.secret);
      await h.api('POST', '/api/events', { event: 'site.created', data: site('rotated') });
      const [got] = await rx.waitFor(1, (r) => r.path === path);
      const sigs = String(got!.headers['webhook-signature']).split(' ');
      assert.equal(sigs.length, 2);
      new Webhook(hook.secret).verify(got!.body, got!.headers as Record<string, string>);
      new Webhook(rot.body.secret).verify(got!.body, got!.headers as Record<string, string>);
    });

    test('test event pings one hook only; Basic auth is sent and redacted in the log', async () => {
      const path = `/ping-${backend}`;
      const hook = await createHook({ url: `${rx.url}${path}`, username: 'user', password: 'pa:ss' });
      await createHook({ url: `${rx.url}${path}-other` });
      const res = await h.api('POST', `/api/hooks/${hook.id}/test`);
      assert.equal(res.status, 202);
      const [got] = await rx.waitFor(1, (r) => r.path === path);
      assert.equal(got!.headers.authorization, `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
      const body = JSON.parse(got!.body);
      assert.equal(body.event, 'ping');
      assertValidWebhook(body);
      const d = await waitUntil(async () => {
        const d = await h.api('GET', `/api/deliveries/${res.body.deliveries[0].id}`);
        return d.body.attemptLog.length > 0 && d.body;
      }, 'attempt logged');
      assert.equal(d.attemptLog[0].request.headers.authorization, 'Basic [redacted]');
      assert.equal(rx.requests.filter((r) => r.path === `${path}-other`).length, 0);
    });

    test('tenants are isolated: another tenant sees 404 for everything of ours', async () => {
      const t = await h.api('POST', '/api/admin/tenants', { name: 'other' });
      assert.equal(t.status, 201);
      const k = await h.api('POST', `/api/admin/tenants/${t.body.id}/keys`, { role: 'admin' });
      assert.equal(k.status, 201);
      const other = k.body.key as string;
      const hook = await createHook({ url: `${rx.url}/iso-${backend}` });
      const pub = await h.api('POST', '/api/events', { event: 'site.created', data: site('iso') });
      const dlv = pub.body.deliveries[0].id;
      for (const [method, path] of [
        ['GET', `/api/hooks/${hook.id}`],
        ['PATCH', `/api/hooks/${hook.id}`],
        ['DELETE', `/api/hooks/${hook.id}`],
        ['GET', `/api/hooks/${hook.id}/secret`],
        ['POST', `/api/hooks/${hook.id}/rotate-secret`],
        ['POST', `/api/hooks/${hook.id}/test`],
        ['GET', `/api/hooks/${hook.id}/deliveries`],
        ['GET', `/api/events/${pub.body.eventID}`],
        ['GET', `/api/deliveries/${dlv}`],
        ['POST', `/api/deliveries/${dlv}/redeliver`],
      ] as const) {
        const res = await h.api(method, path, method === 'PATCH' ? { name: 'x' } : undefined, { key: other });
        assert.equal(res.status, 404, `${method} ${path} answered ${res.status}`);
        assert.match(res.body.error.code, /NOT_FOUND$/);
      }
      const list = await h.api('GET', '/api/hooks', undefined, { key: other });
      assert.deepEqual(list.body.data, []);
      // Their events never reach our hooks.
      const theirs = await h.api(
        'POST',
        '/api/events',
        { event: 'site.created', data: site('theirs') },
        { key: other },
      );
      assert.equal(theirs.status, 202);
      assert.equal(theirs.body.deliveries.length, 0);
      // Member keys cannot manage tenants; ?key= works like the header.
      const member = await h.api('POST', `/api/admin/tenants/${t.body.id}/keys`, {});
      const res = await fetch(`${h.url}/api/admin/tenants?key=${member.body.key}`);
      assert.equal(res.status, 403);
      const viaQuery = await fetch(`${h.url}/api/hooks?key=${h.adminKey}&limit=1`);
      assert.equal(viaQuery.status, 200);
    });
  });
}
