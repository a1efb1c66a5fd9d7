import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { maxInWindow, OrderedReceiver, orderProblems } from '../helpers/ordered-receiver.ts';
import { requirePostgres } from '../helpers/pg.ts';

/**
 * Issue 17's hook options from the outside, on both databases: custom headers, filters, a rate
 * limit and FIFO ordering under failures, through the real API, engine and receivers.
 */

const site = (i: number, projectID = 'p1') => ({
  event: 'site.created',
  eventID: `ev-${String(i).padStart(4, '0')}-${projectID}`,
  data: { object: 'site', name: `s${i}`, siteKey: 'k', projectID, siteUrl: 'http://www.example.com' },
});

/** Polls the API (the attempt is recorded after the receiver answered); each round awaits a response. */
async function waitFor<T>(fn: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`hook options on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;
    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      // Failed attempts are retried at once, so a FIFO queue held by a failure moves on quickly.
      h = await startHerald(backend, { HERALD_RETRY_SCHEDULE: '0,0,0,0,0,0' });
      rx = await Receiver.start();
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    const hook = (path: string, extra: object) =>
      h.api('POST', '/api/hooks', { name: path, url: `${rx.url}/${path}`, objects: ['site'], ...extra });

    test('custom headers arrive with every request, are shown on reads and redacted in the log', async () => {
      const created = await hook('headers', { headers: { 'X-Tenant': 'acme', 'x-api-key': 'k-123' } });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body.headers, { 'X-Tenant': 'acme', 'x-api-key': 'k-123' });
      const read = await h.api('GET', `/api/hooks/${created.body.id}`);
      assert.deepEqual(read.body.headers, { 'X-Tenant': 'acme', 'x-api-key': 'k-123' });
      assert.equal((await h.api('POST', '/api/events', site(1))).status, 202);
      const [got] = await rx.waitFor(1, (r) => r.path === '/headers');
      assert.equal(got!.headers['x-tenant'], 'acme');
      assert.equal(got!.headers['x-api-key'], 'k-123');
      assert.equal(got!.headers['content-type'], 'application/json');
      assert.ok(got!.headers['webhook-signature'], 'still signed');
      const deliveries = await h.api('GET', `/api/hooks/${created.body.id}/deliveries`);
      const id = deliveries.body.data[0].id as string;
      const detail = await waitFor(async () => {
        const d = await h.api('GET', `/api/deliveries/${id}`);
        return d.body.attemptLog?.length > 0 ? d : null;
      });
      const logged = JSON.stringify(detail.body.attemptLog);
      assert.ok(logged.includes('x-api-key'), 'the attempt log names the header');
      assert.ok(!logged.includes('k-123'), 'the attempt log keeps no header value');
    });

    test('reserved and invalid header names are refused with 400 and a code, leaving nothing', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'Content-Type': 'text/plain' }, 'RESERVED_HEADER'],
        [{ authorization: 'Bearer x' }, 'RESERVED_HEADER'],
        [{ 'Webhook-Id': 'x' }, 'RESERVED_HEADER'],
        [{ traceparent: '00-x' }, 'RESERVED_HEADER'],
        [{ Signature: 'x' }, 'RESERVED_HEADER'],
        [{ 'bad name': 'x' }, 'INVALID_HEADER'],
        [{ 'X-Ok': 'line\r\nInjected: 1' }, 'INVALID_HEADER'],
      ];
      const before = (await h.api('GET', '/api/hooks?limit=100')).body.data.length;
      for (const [headers, code] of cases) {
        const res = await hook('refused', { headers });
        assert.equal(res.status, 400, JSON.stringify(headers));
        assert.equal(res.body.error.code, code, JSON.stringify(headers));
      }
      assert.equal((await h.api('GET', '/api/hooks?limit=100')).body.data.length, before);
      const ok = await hook('patched', {});
      const patch = await h.api('PATCH', `/api/hooks/${ok.body.id}`, { headers: { Host: 'evil' } });
      assert.equal(patch.status, 400);
      assert.equal(patch.body.error.code, 'RESERVED_HEADER');
      assert.deepEqual((await h.api('GET', `/api/hooks/${ok.body.id}`)).body.headers, {});
    });

    test('a filter lets only matching events through; an invalid schema is a 400', async () => {
      const filter = { properties: { data: { properties: { projectID: { const: 'wanted' } } } } };
      const created = await hook('filtered', { filter });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body.filter, filter);
      const pub = await h.api('POST', '/api/events/batch', {
        events: [site(10, 'wanted'), site(11, 'other'), site(12, 'wanted')],
      });
      assert.equal(pub.status, 202);
      const forHook = (i: number) =>
        (pub.body.data[i].deliveries as Array<{ hookId: string }>).filter((d) => d.hookId === created.body.id)
          .length;
      assert.deepEqual([forHook(0), forHook(1), forHook(2)], [1, 0, 1]);
      const got = await rx.waitFor(2, (r) => r.path === '/filtered');
      assert.deepEqual(
        got.map((r) => (JSON.parse(r.body) as { data: { projectID: string } }).data.projectID),
        ['wanted', 'wanted'],
      );

      const bad = await hook('bad-filter', { filter: { type: 'no-such-type' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'INVALID_SCHEMA');
      const patch = await h.api('PATCH', `/api/hooks/${created.body.id}`, { filter: { minimum: 'x' } });
      assert.equal(patch.status, 400);
      assert.equal(patch.body.error.code, 'INVALID_SCHEMA');
      assert.deepEqual((await h.api('GET', `/api/hooks/${created.body.id}`)).body.filter, filter);
    });

    test(
      'rateLimit 20: 200 events all arrive, at most 24 in any 1 s window',
      { timeout: 60_000 },
      async (t) => {
        const orx = await OrderedReceiver.start({});
        try {
          const created = await h.api('POST', '/api/hooks', {
            name: 'limited',
            url: `${orx.url}/limited`,
            objects: ['site'],
            rateLimit: 20,
          });
          assert.equal(created.status, 201);
          assert.equal(created.body.rateLimit, 20);
          const pub = await h.api('POST', '/api/events/batch', {
            events: Array.from({ length: 200 }, (_, i) => site(1000 + i)),
          });
          assert.equal(pub.status, 202);
          await orx.waitDelivered(200, 40_000);
          const peak = maxInWindow(
            orx.requests.map((r) => r.arrivedAt),
            1000,
          );
          const span =
            Math.max(...orx.requests.map((r) => r.arrivedAt)) -
            Math.min(...orx.requests.map((r) => r.arrivedAt));
          t.diagnostic(`peak ${peak} requests in 1 s; 200 requests over ${span} ms`);
          assert.ok(peak <= 24, `${peak} requests in one second`);
          assert.equal(orx.delivered.size, 200);
        } finally {
          await orx.close();
        }
      },
    );

    test(
      'fifo: 60 events, one request in three answered 500, arrive in order, one at a time',
      { timeout: 90_000 },
      async () => {
        const orx = await OrderedReceiver.start({ failEvery: 3, delayMs: 2 });
        try {
          const created = await h.api('POST', '/api/hooks', {
            name: 'fifo',
            url: `${orx.url}/fifo`,
            objects: ['site'],
            ordering: 'fifo',
          });
          assert.equal(created.status, 201);
          assert.equal(created.body.ordering, 'fifo');
          const events = Array.from({ length: 60 }, (_, i) => site(2000 + i));
          // Two calls, so the order spans commits as well as a batch.
          assert.equal(
            (await h.api('POST', '/api/events/batch', { events: events.slice(0, 30) })).status,
            202,
          );
          for (const e of events.slice(30)) assert.equal((await h.api('POST', '/api/events', e)).status, 202);
          await orx.waitDelivered(60, 60_000);
          assert.deepEqual(
            orderProblems(
              orx.requests,
              events.map((e) => e.eventID),
            ),
            [],
          );
          assert.ok(
            orx.requests.some((r) => r.status === 500),
            'some requests failed',
          );
          assert.ok(
            orx.requests.every((r) => r.concurrentSameKey === 0),
            'never two in flight',
          );
        } finally {
          await orx.close();
        }
      },
    );

    test('fifo with orderingKey: order per key, and the keys interleave', { timeout: 90_000 }, async () => {
      const orx = await OrderedReceiver.start({ failEvery: 3, delayMs: 5, keyPointer: '/data/projectID' });
      try {
        const created = await h.api('POST', '/api/hooks', {
          name: 'fifo-keyed',
          url: `${orx.url}/keyed`,
          objects: ['site'],
          ordering: 'fifo',
          orderingKey: '/data/projectID',
        });
        assert.equal(created.status, 201);
        assert.equal(created.body.orderingKey, '/data/projectID');
        const keys = ['a', 'b', 'c'];
        const events = Array.from({ length: 60 }, (_, i) => site(3000 + i, keys[i % 3]));
        assert.equal((await h.api('POST', '/api/events/batch', { events })).status, 202);
        await orx.waitDelivered(60, 60_000);
        for (const k of keys) {
          const mine = orx.requests.filter((r) => r.key === k);
          const accepted = events.filter((e) => e.data.projectID === k).map((e) => e.eventID);
          assert.deepEqual(orderProblems(mine, accepted), [], `key ${k}`);
        }
        assert.ok(
          orx.requests.every((r) => r.concurrentSameKey === 0),
          'never two of one key in flight',
        );
        const firstTen = new Set(orx.requests.slice(0, 10).map((r) => r.key));
        assert.ok(firstTen.size > 1, 'distinct keys proceed side by side');
      } finally {
        await orx.close();
      }
    });

    test('orderingKey must be a JSON Pointer and needs fifo', async () => {
      const bad = await hook('bad-key', { ordering: 'fifo', orderingKey: 'data.projectID' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
      const noFifo = await hook('no-fifo', { orderingKey: '/data/projectID' });
      assert.equal(noFifo.status, 400);
      const range = await hook('rate', { rateLimit: 10_001 });
      assert.equal(range.status, 400);
    });
  });
}
