import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { freePort, printedBy, spawnHerald, stopProcess } from '../helpers/herald-process.ts';
import { createTestDatabase, pgSkipReason } from '../helpers/pg.ts';
import { Receiver } from '../helpers/receiver.ts';

/**
 * Issue 8, "with several workers on PostgreSQL, the other processes learn of the change
 * within a second": one `herald api` process and one `herald worker` process on one database.
 * The hook's URL is changed through the API process; the worker hears it by NOTIFY on
 * `herald_hook_changed` (sent in the transaction of the change), drops what it holds for the
 * hook and claims it again with the new URL. At most the in-flight cap (64) requests reach the
 * old URL after the PATCH was answered, and none later than a second after it.
 */
const skip = await pgSkipReason();
const EVENTS = 300;
const CAP = 64;

const site = (i: number) => ({
  event: 'site.created',
  eventID: `xp-${i}`,
  data: { object: 'site', name: `s${i}`, siteKey: 'k', projectID: 'p', siteUrl: 'http://x.example' },
});

describe('hook changes across processes on PostgreSQL', { skip }, () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test(
    'a URL changed through the API process reaches the worker process within a second',
    { timeout: 120_000 },
    async (t) => {
      const oldRx = (await Receiver.start()).setDefault({ status: 200, delayMs: 2000 });
      const newRx = await Receiver.start();
      cleanups.push(
        () => oldRx.close(),
        () => newRx.close(),
      );
      const db = await createTestDatabase();
      cleanups.push(() => db.drop());
      const port = await freePort();
      const key = `hk_xp_${randomBytes(12).toString('hex')}`;
      const env = {
        DATABASE_URL: db.url,
        // Both processes seal with one key, as every process on one database must.
        HERALD_SECRET_KEY: randomBytes(32).toString('base64'),
        PORT: String(port),
        HOST: '127.0.0.1',
        HERALD_ADMIN_KEY: key,
        HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
        HERALD_LOG_LEVEL: 'error',
      };
      const api = spawnHerald(env, 'api');
      cleanups.push(() => stopProcess(api.child));
      await api.ready;
      const worker = spawnHerald(env, 'worker');
      cleanups.push(() => stopProcess(worker.child, 'SIGTERM'));
      await printedBy(worker, '(worker) on PostgreSQL');

      const base = `http://127.0.0.1:${port}`;
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers,
          body: body === undefined ? null : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json().catch(() => null)) as { id?: string } | null };
      };
      const hook = await call('POST', '/api/hooks', {
        name: 'xp',
        url: `${oldRx.url}/old`,
        objects: ['site'],
      });
      assert.equal(hook.status, 201);
      const pub = await call('POST', '/api/events/batch', {
        events: Array.from({ length: EVENTS }, (_, i) => site(i)),
      });
      assert.equal(pub.status, 202);
      // The worker process runs the hook at its cap: CAP requests waiting 2 s at the old URL.
      await oldRx.waitFor(CAP, () => true, 30_000);

      const patch = await call('PATCH', `/api/hooks/${hook.body!.id}`, { url: `${newRx.url}/new` });
      assert.equal(patch.status, 200);
      const answeredAt = Date.now();

      const idOf = (body: string) => (JSON.parse(body) as { eventID: string }).eventID;
      const delivered = () => new Set([...oldRx.requests, ...newRx.requests].map((r) => idOf(r.body))).size;
      await newRx.waitFor(1, () => true, 10_000);
      const firstNew = newRx.requests[0]!.at - answeredAt;
      while (delivered() < EVENTS) {
        await newRx.waitFor(newRx.requests.length + 1, () => true, 30_000);
      }
      const late = oldRx.requests.filter((r) => r.at > answeredAt);
      const lastOld = Math.max(0, ...late.map((r) => r.at - answeredAt));
      t.diagnostic(
        `after the PATCH: ${late.length} to the old URL (last +${lastOld} ms), first to the new URL +${firstNew} ms, ` +
          `${newRx.requests.length} to the new URL`,
      );
      assert.ok(
        late.length <= CAP,
        `${late.length} requests reached the old URL after the change was answered`,
      );
      assert.ok(lastOld <= 1000, `the old URL got a request ${lastOld} ms after the change was answered`);
      assert.ok(firstNew <= 4000, `the new URL got its first request only ${firstNew} ms after the change`);
      assert.ok(worker.alive() && api.alive(), 'both processes are still running');
    },
  );
});
