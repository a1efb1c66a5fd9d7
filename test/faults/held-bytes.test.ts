import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { pgSkipReason } from '../helpers/pg.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * Issue 8, "held work is bounded in bytes, not only in count": with a small
 * HERALD_WORKER_MAX_HELD_BYTES, a backlog of large events to a slow receiver never makes the
 * worker hold more payload bytes than the cap (each event counted once, however many of its
 * deliveries it holds); the rest waits in the database, and everything is delivered.
 */
const KB = 1024;
const CAP = 1024 * KB;
const EVENT_BYTES = 200 * KB;
const EVENTS = 30;
const HOOKS = 2;
const skipPg = await pgSkipReason();

const site = (i: number) => ({
  event: 'site.created',
  eventID: `big-${i}`,
  data: {
    object: 'site',
    name: `s${i}`,
    siteKey: 'k',
    projectID: 'p',
    siteUrl: 'http://www.example.com',
    blob: 'x'.repeat(EVENT_BYTES),
  },
});

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`held bytes on ${backend}`, { skip: backend === 'postgres' ? skipPg : false }, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    test(
      'a backlog of large events to a slow receiver stays under the byte cap and is all delivered',
      { timeout: 90_000 },
      async (t) => {
        const rx = (await Receiver.start()).setDefault({ status: 204, delayMs: 300 });
        cleanups.push(() => rx.close());
        const h: TestHerald = await startHerald(backend, { HERALD_WORKER_MAX_HELD_BYTES: String(CAP) });
        cleanups.push(() => h.stop());
        const worker = h.app.worker!;
        assert.equal(worker.maxHeldBytes, CAP);
        for (let i = 0; i < HOOKS; i++) {
          const hook = await h.api('POST', '/api/hooks', {
            name: `h${i}`,
            url: `${rx.url}/h${i}`,
            objects: ['site'],
          });
          assert.equal(hook.status, 201, hook.text);
        }

        // Watch the worker's holdings at every request and every few ms in between.
        let peak = 0;
        const sample = () => (peak = Math.max(peak, worker.heldBytes));
        const sampler = setInterval(sample, 5);
        cleanups.push(async () => clearInterval(sampler));

        // Concurrent publishes, so group commits hand over several large events at once.
        const results = await Promise.all(
          Array.from({ length: EVENTS }, (_, i) => h.api('POST', '/api/events', site(i))),
        );
        for (const r of results) assert.equal(r.status, 202, r.text);
        sample();

        const got = await rx.waitFor(
          EVENTS * HOOKS,
          () => {
            sample();
            return true;
          },
          60_000,
        );
        clearInterval(sampler);
        const ids = new Set(
          got.map((r) => `${r.path} ${(JSON.parse(r.body) as { eventID: string }).eventID}`),
        );
        assert.equal(ids.size, EVENTS * HOOKS, 'every delivery arrived');
        t.diagnostic(
          `peak held ${(peak / KB).toFixed(0)} KiB of a ${CAP / KB} KiB cap; ${got.length} requests`,
        );
        assert.ok(peak > 0, 'the sampler saw the worker hold something');
        assert.ok(peak <= CAP, `the worker held ${peak} bytes, over the ${CAP} cap`);
        await worker.idle();
        assert.equal(worker.heldBytes, 0, 'nothing held once all is delivered');
      },
    );
  });
}
