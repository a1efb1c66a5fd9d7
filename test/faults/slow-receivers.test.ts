import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { BadReceiver } from './bad-receiver.ts';

const TIMEOUT_MS = 1000;
const site = { object: 'site', name: 'n', siteKey: 'k', projectID: 'p', siteUrl: 'http://www.example.com' };

interface LoggedAttempt {
  durationMs: number;
  response: { status: number; body: string } | null;
  error: string | null;
}

async function waitUntil<T>(f: () => Promise<T | false>, what: string, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const threads of ['true', 'false']) {
  describe(`slow and endless receivers (sender thread ${threads})`, () => {
    let h: TestHerald;
    let rx: BadReceiver;
    before(async () => {
      // Each path misbehaves once, then answers 204: the retry shows the slot came back.
      rx = await BadReceiver.start(1);
      h = await startHerald('sqlite', {
        HERALD_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
        HERALD_SENDER_THREAD: threads,
        HERALD_HOOK_MAX_IN_FLIGHT: '1',
      });
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    /** A hook on `path`; each test deletes its own, so events reach only the hook under test. */
    async function hookOn(path: string): Promise<string> {
      const hook = await h.api('POST', '/api/hooks', {
        name: path,
        url: `${rx.url}${path}`,
        objects: ['site'],
      });
      assert.equal(hook.status, 201);
      return hook.body.id as string;
    }

    async function settled(id: string) {
      return waitUntil(async () => {
        const d = await h.api('GET', `/api/deliveries/${id}`);
        return (
          d.body.status !== 'pending' &&
          (d.body as { status: string; attempts: number; attemptLog: LoggedAttempt[] })
        );
      }, `${id} settled`);
    }

    /** Publishes one event to a new hook on `path`; resolves with the delivery once settled. */
    async function deliverVia(path: string) {
      const hookId = await hookOn(path);
      try {
        const pub = await h.api('POST', '/api/events', { event: 'site.created', data: site });
        assert.equal(pub.status, 202);
        assert.equal(pub.body.deliveries.length, 1);
        const d = await settled(pub.body.deliveries[0].id as string);
        assert.equal(d.status, 'delivered');
        return d;
      } finally {
        await h.api('DELETE', `/api/hooks/${hookId}`);
      }
    }

    for (const [path, what] of [
      [`/trickle-${threads}`, 'a body trickled at 10 bytes/s'],
      [`/hang-${threads}`, 'no answer at all'],
    ] as const) {
      test(`${what}: the attempt ends at the overall deadline, is logged and retried`, async () => {
        const d = await deliverVia(path);
        assert.equal(d.attempts, 2);
        const [first, second] = d.attemptLog;
        assert.equal(first!.response, null);
        assert.match(
          String(first!.error),
          new RegExp(`^timeout: no complete answer within ${TIMEOUT_MS} ms`),
        );
        assert.ok(first!.durationMs >= TIMEOUT_MS - 50, `${first!.durationMs} ms`);
        assert.ok(first!.durationMs < TIMEOUT_MS + 1000, `${first!.durationMs} ms`);
        assert.equal(second!.response?.status, 204);
      });
    }

    test('an endless 500 body is cut at 4 KiB, logged as HTTP 500 and retried', async () => {
      const d = await deliverVia(`/endless500-${threads}`);
      assert.equal(d.attempts, 2);
      const [first] = d.attemptLog;
      assert.equal(first!.response?.status, 500);
      assert.equal(first!.response?.body.length, 4096);
      assert.equal(first!.error, 'HTTP 500');
      assert.ok(first!.durationMs < TIMEOUT_MS, `${first!.durationMs} ms: did not wait for the deadline`);
    });

    test('an endless 200 body counts as delivered at once and does not hold the hook slot', async () => {
      const path = `/endless-many-${threads}`;
      rx.times = Infinity;
      const hookId = await hookOn(path);
      try {
        const cutBefore = rx.cutStreams;
        const started = Date.now();
        // One slot for the hook: five bodies that never end must still go one after the other.
        const pubs = await Promise.all(
          Array.from({ length: 5 }, () =>
            h.api('POST', '/api/events', { event: 'site.created', data: site }),
          ),
        );
        for (const pub of pubs) {
          const d = await settled(pub.body.deliveries[0].id as string);
          assert.equal(d.status, 'delivered');
          assert.equal(d.attempts, 1);
          assert.equal(d.attemptLog[0]!.response?.body.length, 4096);
        }
        assert.ok(Date.now() - started < TIMEOUT_MS * 3, `took ${Date.now() - started} ms`);
        assert.equal(rx.count(path), 5);
        await waitUntil(async () => rx.cutStreams - cutBefore >= 5 || false, 'connections closed');
      } finally {
        rx.times = 1;
        await h.api('DELETE', `/api/hooks/${hookId}`);
      }
    });
  });
}
