/**
 * Async mode and the durability of the run queue, from the outside: a callback that answers
 * 503 first is retried through the engine; a worker killed mid-run (SIGKILL) loses nothing and
 * the restarted one runs the test again and announces it once.
 */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import {
  freePort,
  killHard,
  spawnHerald,
  stopProcess,
  type HeraldProcess,
} from '../helpers/herald-process.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { REFERENCE, shapeDiff } from './shape.ts';
import { signStandard } from '../../src/delivery/signature.ts';
import type { IncomingHttpHeaders } from 'node:http';

const SECRET = `whsec_${Buffer.from('tenon-callback-secret-for-tests!').toString('base64')}`;

/** Standard Webhooks: `webhook-signature` holds `v1,<sig>` of id.timestamp.body under the secret. */
function verifyStandard(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = String(headers['webhook-id']);
  const ts = Number(headers['webhook-timestamp']);
  const want = signStandard(secret, id, ts, body);
  return String(headers['webhook-signature']).split(' ').includes(want);
}

let pages: CorpusServer;
let rx: Receiver;

before(async () => {
  pages = await serveCorpus();
  rx = await Receiver.start();
});
after(async () => {
  await rx?.close();
  await pages?.close();
});

describe('async mode (Tenon v2)', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite', { HERALD_TENON_CALLBACK_SECRET: SECRET });
  });
  after(() => h?.stop());

  test('answers at once with the responseID; the callback gets the result, retried after a 503', async () => {
    rx.respondOn('/cb', { status: 503 }, { status: 200 });
    const res = await fetch(`${h.url}/api/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        key: h.adminKey,
        url: `${pages.base}/images.html`,
        callback: JSON.stringify({ url: `${rx.url}/cb`, headers: { 'X-Ignored': 'x' } }),
      }),
    });
    const answer = (await res.json()) as { status: number; responseID: string; testRunStatus: string };
    assert.equal(res.status, 200);
    assert.equal(answer.status, 200);
    assert.match(answer.responseID, /^[0-9a-f]{32}$/);
    assert.equal(answer.testRunStatus, 'queued');

    const [first, second] = await rx.waitFor(2, (r) => r.path === '/cb');
    assert.equal(first!.body, second!.body, 'the retry sends the same body');
    assert.equal(second!.method, 'POST');
    const result = JSON.parse(second!.body) as { request: { responseID: string } };
    assert.deepEqual(shapeDiff(REFERENCE, result), []);
    assert.equal(result.request.responseID, answer.responseID);
    assert.ok(verifyStandard(SECRET, second!.headers, second!.body), 'the callback is signed');

    // Polling: the run's record holds the same answer.
    const polled = await h.api('GET', `/api/test-runs/${answer.responseID}`);
    assert.equal(polled.body.status, 'done');
    assert.deepEqual(polled.body.response, result);
  });

  test("Tenon v2: the callback's method and headers are honoured (PUT with a custom header)", async () => {
    const res = await h.api('POST', '/api/', {
      key: h.adminKey,
      url: `${pages.base}/images.html`,
      callback: {
        url: `${rx.url}/cb-put`,
        method: 'PUT',
        headers: { 'X-Callback-Token': 'tok-1', Authorization: 'Bearer abc', 'Content-Type': 'text/plain' },
      },
    });
    assert.equal(res.status, 200);
    const [got] = await rx.waitFor(1, (r) => r.path === '/cb-put');
    assert.equal(got!.method, 'PUT');
    assert.equal(got!.headers['x-callback-token'], 'tok-1');
    assert.equal(got!.headers['authorization'], 'Bearer abc');
    assert.equal(got!.headers['content-type'], 'application/json', "Herald's own headers win");
    assert.ok(verifyStandard(SECRET, got!.headers, got!.body), 'the callback is signed');
    assert.equal(
      (JSON.parse(got!.body) as { request: { responseID: string } }).request.responseID,
      res.body.responseID,
    );
  });
});

/** A page whose first load hangs (the worker is killed meanwhile) and later loads answer. */
async function gatePage(): Promise<{
  url: string;
  firstHit: Promise<void>;
  hits: () => number;
  close(): Promise<void>;
}> {
  const hanging = new Set<ServerResponse>();
  let hits = 0;
  let hit!: () => void;
  const firstHit = new Promise<void>((r) => (hit = r));
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/gate')) return void res.writeHead(404).end();
    hits++;
    if (hits === 1) {
      hanging.add(res);
      hit();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(
      '<!doctype html><html lang="en"><head><title>Gate</title></head><body><main><h1>Gate</h1><img src="x.png"></main></body></html>',
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/gate`,
    firstHit,
    hits: () => hits,
    async close() {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * Resolves once the browser loads the page; a run that ends before that (a browser that cannot
 * start: Chromium missing) fails the test at once with the run's own reason, instead of hanging.
 */
async function pageLoadingOrFail(loading: Promise<void>, runUrl: string, headers: Record<string, string>) {
  let loaded = false;
  void loading.then(() => (loaded = true));
  while (!loaded) {
    const run = (await (await fetch(runUrl, { headers })).json()) as { status: string; response?: unknown };
    if (!loaded && (run.status === 'done' || run.status === 'failed'))
      assert.fail(`the run ended before its page loaded: ${JSON.stringify(run.response)}`);
    await Promise.race([loading, new Promise((r) => setTimeout(r, 100))]);
  }
}

describe('the run queue across a worker crash', () => {
  test('a run interrupted by SIGKILL is run again by the restarted worker and announced once', async () => {
    const gate = await gatePage();
    const tmp = createTempSqliteDir();
    const hooks = await Receiver.start();
    const adminKey = `hk_test_${'c'.repeat(32)}`;
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: tmp.dir,
      HERALD_ADMIN_KEY: adminKey,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LEASE_MS: '2000',
      HERALD_POLL_INTERVAL_MS: '50',
      HERALD_LOG_LEVEL: 'warn',
    };
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    let a: HeraldProcess | null = null;
    let b: HeraldProcess | null = null;
    try {
      a = spawnHerald(env);
      await a.ready;
      const hook = await fetch(`${base}/api/hooks`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'runs', url: `${hooks.url}/runs`, objects: ['apiLog'] }),
      });
      assert.equal(hook.status, 201);
      const res = await fetch(`${base}/api/`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ url: gate.url, async: 1 }),
      });
      const { responseID } = (await res.json()) as { responseID: string };
      await pageLoadingOrFail(gate.firstHit, `${base}/api/test-runs/${responseID}`, auth);
      await killHard(a);

      b = spawnHerald(env);
      await b.ready;
      const [announced] = await hooks.waitFor(1, (r) => r.path === '/runs', 60_000);
      const envelope = JSON.parse(announced!.body) as { event: string; data: { responseID: string } };
      assert.equal(envelope.event, 'apiLog.created');
      assert.equal(envelope.data.responseID, responseID);
      const run = (await (await fetch(`${base}/api/test-runs/${responseID}`, { headers: auth })).json()) as {
        status: string;
        attempts: number;
      };
      assert.equal(run.status, 'done');
      assert.equal(run.attempts, 2);
      assert.equal(gate.hits(), 2);
      assert.equal(hooks.requests.filter((r) => r.path === '/runs').length, 1);
    } finally {
      if (b) await stopProcess(b.child, 'SIGTERM');
      if (a) await stopProcess(a.child, 'SIGKILL');
      await hooks.close();
      await gate.close();
      tmp.cleanup();
    }
  });
});
