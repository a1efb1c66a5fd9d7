import { NO_HOOK_OPTIONS } from '../../src/domain/hook-options.ts';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import type { Hook } from '../../src/domain/types.ts';
import { InlineSender, ThreadSender } from '../../src/delivery/sender.ts';
import { generateSecret } from '../../src/delivery/signature.ts';
import { Worker, type WorkerOptions } from '../../src/delivery/worker.ts';
import { newDelivery, Publisher } from '../../src/ingest/publish.ts';
import { createLogger } from '../../src/log.ts';
import { createMetrics } from '../../src/metrics.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTempSqliteDir, type TempSqliteDir } from '../helpers/sqlite.ts';
import { testSecrets } from '../helpers/secrets.ts';

/** A loopback receiver that holds every answer until `release()`, and counts concurrency. */
class GatedReceiver {
  readonly paths: string[] = [];
  /** The webhook-id of each request, in order. */
  readonly ids: string[] = [];
  maxConcurrent = 0;
  private open = 0;
  private held: ServerResponse[] = [];
  private gated = true;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      this.paths.push(req.url ?? '');
      this.ids.push(String(req.headers['webhook-id']));
      this.open++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.open);
      res.on('close', () => this.open--);
      if (this.gated) this.held.push(res);
      else res.writeHead(204).end();
      this.waiters = this.waiters.filter((w) => (this.paths.length >= w.n ? (w.resolve(), false) : true));
    });
  });
  url = '';

  static async start(): Promise<GatedReceiver> {
    const r = new GatedReceiver();
    r.server.on('connection', (s) => {
      r.sockets.add(s);
      s.on('close', () => r.sockets.delete(s));
    });
    r.server.listen(0, '127.0.0.1');
    await once(r.server, 'listening');
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  received(n: number): Promise<void> {
    if (this.paths.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  release(): void {
    this.gated = false;
    for (const res of this.held) res.writeHead(204).end();
    this.held = [];
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}

const TENANT = 'ten_worker';
const log = createLogger(process.env.HERALD_TEST_LOG ?? 'silent');

async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('Worker on a real SQLite store', () => {
  let dir: TempSqliteDir;
  let store: Store;
  let claims = 0;
  /** While set, recording results waits for it (a slow commit). */
  let recordGate: Promise<void> | null = null;
  /** While set, a committed record's answer waits for it (the commit is seen late). */
  let answerGate: Promise<void> | null = null;
  /** The delivery ids of each extendLeases call. */
  let extended: string[][] = [];
  /** Where each claim started (its cursor; null: the head of the queue). */
  let claimedAfter: Array<{ at: number; id: string } | null> = [];
  /** The tenants each claim left out. */
  let leftOut: string[][] = [];
  /** While set, each claim's answer waits for it (a round trip during which deliveries finish). */
  let claimGate: (() => Promise<void>) | null = null;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeEach(async () => {
    dir = createTempSqliteDir();
    const real = await openStore({
      dataDir: dir.dir,
      sqliteSynchronous: 'NORMAL',
      secrets: testSecrets(dir.dir),
    });
    await real.migrate();
    claims = 0;
    recordGate = null;
    answerGate = null;
    extended = [];
    claimedAfter = [];
    leftOut = [];
    claimGate = null;
    // Counts claim round trips and lease extensions, and can hold result writes; everything else
    // goes straight to the real store.
    store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'claimDue') {
          claims++;
          return (opts: Parameters<Store['claimDue']>[0]) => {
            claimedAfter.push(opts.after ?? null);
            leftOut.push([...(opts.excludeTenants ?? [])]);
            return claimGate ? claimGate().then(() => target.claimDue(opts)) : target.claimDue(opts);
          };
        }
        if (prop === 'extendLeases')
          return (owner: string, ids: string[], until: number) => {
            extended.push([...ids]);
            return target.extendLeases(owner, ids, until);
          };
        if (prop === 'recordAttempts')
          return async (...a: Parameters<Store['recordAttempts']>) => {
            while (recordGate) await recordGate;
            const done = await target.recordAttempts(...a);
            while (answerGate) await answerGate;
            return done;
          };
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await store.createTenant({ id: TENANT as never, name: 'worker', createdAt: Date.now() });
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await store.close();
    dir.cleanup();
  });

  async function hook(url: string): Promise<Hook> {
    const now = Date.now();
    const h: Hook = {
      id: newId('hook'),
      tenantId: TENANT,
      name: 'h',
      url,
      objects: ['site'],
      events: null,
      enabled: true,
      username: null,
      password: null,
      secret: generateSecret(),
      oldSecrets: [],
      signatureScheme: 'hmac-sha256',
      publicKey: null,
      failingSince: null,
      lastSuccessAt: null,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
      ...NO_HOOK_OPTIONS,
    };
    await store.createHook(h);
    return h;
  }

  async function start(
    o: Partial<WorkerOptions> = {},
    threads = false,
  ): Promise<{ worker: Worker; publisher: Publisher }> {
    const timeoutMs = o.deliveryTimeoutMs ?? 10_000;
    const senderOptions = {
      allowlist: '127.0.0.0/8',
      connectionsPerOrigin: 64,
      connectTimeoutMs: 1000,
      timeoutMs,
    };
    const sender = threads ? await ThreadSender.start(senderOptions) : new InlineSender(senderOptions);
    const metrics = createMetrics(store);
    const worker = new Worker({
      store,
      sender,
      log,
      metrics,
      owner: `test:${newId('delivery').slice(4, 14)}`,
      retrySchedule: [0, 0, 0, 0, 0, 0],
      retryAfterMaxMs: 60_000,
      hookMaxInFlight: 64,
      batchSize: 16,
      pollIntervalMs: 60_000,
      leaseMs: 60_000,
      deliveryTimeoutMs: timeoutMs,
      ...o,
    });
    const publisher = new Publisher({ store, log, metrics, leaseMs: 60_000 });
    await worker.start();
    publisher.attachSink(worker);
    cleanups.push(async () => {
      publisher.attachSink(null);
      await worker.stop();
      await sender.close();
    });
    return { worker, publisher };
  }

  const publish = (p: Publisher, n: number) =>
    p.publish(
      TENANT,
      Array.from({ length: n }, (_, i) => ({
        event: 'site.created',
        data: { object: 'site', name: `s${i}`, siteKey: 'k', projectID: 'p', siteUrl: 'http://example.com' },
      })),
    );

  test('the per-hook cap bounds requests in flight to one hook', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    await hook(`${rx.url}/a`);
    const { worker, publisher } = await start({ hookMaxInFlight: 3, batchSize: 16 });
    await publish(publisher, 10);
    await rx.received(3);
    assert.equal(worker.inFlight, 3);
    assert.equal(worker.held, 10);
    rx.release();
    await rx.received(10);
    await until(() => worker.held === 0, 'all sent');
    await worker.idle();
    assert.equal(rx.maxConcurrent, 3);
  });

  test('the in-process handover sends without a claim round trip', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    rx.release();
    await hook(`${rx.url}/a`);
    const { worker, publisher } = await start();
    await until(() => claims === 1, 'the first claim');
    // Let the first claim finish, so a claim the loop makes is visible as a second one.
    await until(async () => (await store.queueStats(Date.now())).pending === 0, 'empty queue');
    const results = await publish(publisher, 5);
    await rx.received(5);
    await until(() => worker.held === 0, 'all sent');
    await worker.idle();
    assert.equal(claims, 1, 'no claim for work handed over in process');
    for (const r of results) {
      const d = await store.getDelivery(TENANT, r.deliveries[0]!.id);
      assert.equal(d?.status, 'delivered');
    }
  });

  test('hookChanged drops held work of the hook; it is re-claimed with the new URL', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    const h = await hook(`${rx.url}/old`);
    const { worker, publisher } = await start({ hookMaxInFlight: 2 });
    await publish(publisher, 10);
    await rx.received(2);
    await store.updateHook(TENANT, h.id, { url: `${rx.url}/new` }, Date.now());
    worker.hookChanged(TENANT, h.id);
    assert.equal(worker.held, 2, 'only the two in flight are still held');
    rx.release();
    await rx.received(10);
    await until(() => worker.held === 0, 'all sent');
    await worker.idle();
    assert.equal(rx.paths.filter((p) => p === '/old').length, 2);
    assert.equal(rx.paths.filter((p) => p === '/new').length, 8);
  });

  test('allHooksChanged (missed notifications) drops everything held; it is re-claimed as it is now', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    const h = await hook(`${rx.url}/old`);
    const { worker, publisher } = await start({ hookMaxInFlight: 1 });
    await publish(publisher, 4);
    await rx.received(1);
    await store.updateHook(TENANT, h.id, { url: `${rx.url}/new` }, Date.now());
    worker.allHooksChanged();
    assert.equal(worker.held, 1);
    rx.release();
    await rx.received(4);
    await until(() => worker.held === 0, 'all sent');
    await worker.idle();
    assert.deepEqual(rx.paths, ['/old', '/new', '/new', '/new']);
  });

  test('hookChanged for a disabled hook: its held work waits in the database', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    const h = await hook(`${rx.url}/old`);
    const { worker, publisher } = await start({ hookMaxInFlight: 1 });
    await publish(publisher, 5);
    await rx.received(1);
    await store.updateHook(TENANT, h.id, { enabled: false }, Date.now());
    const before = claims;
    worker.hookChanged(TENANT, h.id);
    rx.release();
    await until(() => worker.held === 0, 'in-flight one done');
    await worker.idle();
    await until(() => claims > before, 'a claim after the change');
    await until(
      async () => (await store.listDeliveries(TENANT, { status: 'pending', limit: 10 })).length === 4,
      'four wait',
    );
    assert.equal(rx.paths.length, 1);
  });

  test('an open breaker parks the hook’s deliveries without burning attempts', async () => {
    // A port nothing listens on: every connection is refused at once.
    const dead = await GatedReceiver.start();
    const url = dead.url;
    await dead.close();
    const h = await hook(`${url}/x`);
    const { worker, publisher } = await start({
      hookMaxInFlight: 1,
      breaker: { openAfter: 3, baseBackoffMs: 60_000 },
    });
    await publish(publisher, 10);
    await until(() => worker.circuit(h.id) === 'open', 'the breaker opens');
    await until(() => worker.held === 0 && worker.inFlight === 0, 'held work parked');
    await worker.idle();
    const pending = await store.listDeliveries(TENANT, { status: 'pending', limit: 20 });
    assert.equal(pending.length, 10, 'nothing failed for good');
    assert.equal(
      pending.reduce((n, d) => n + d.attempts, 0),
      3,
      'only the three attempts that opened the breaker',
    );
  });

  test('stop() is bounded when a receiver never answers, and gives the leases back', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    await hook(`${rx.url}/hang`);
    const { worker, publisher } = await start({ deliveryTimeoutMs: 60_000, stopTimeoutMs: 300 });
    const [r] = await publish(publisher, 1);
    await rx.received(1);
    const started = Date.now();
    await worker.stop();
    assert.ok(Date.now() - started < 3000, `stop took ${Date.now() - started} ms`);
    const d = await store.getDelivery(TENANT, r!.deliveries[0]!.id);
    assert.equal(d?.status, 'pending');
    assert.equal(d?.leaseOwner, null);
    await rx.close();
  });

  test('a sent delivery whose result is slow to commit keeps its lease and is not sent again', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    rx.release();
    await hook(`${rx.url}/slow-commit`);
    let open!: () => void;
    recordGate = new Promise<void>((resolve) => (open = resolve));
    // Leases of 300 ms, extended every 250 ms, and a claim every 50 ms: a lapsed lease would be
    // claimed again at once.
    const { worker, publisher } = await start({ leaseMs: 300, pollIntervalMs: 50 });
    const [r] = await publish(publisher, 1);
    const id = r!.deliveries[0]!.id;
    await rx.received(1);
    await until(() => worker.held === 0, 'sent');
    // Four extensions at least 250 ms apart: well past the 300 ms lease it was claimed with.
    const claimsBefore = claims;
    await until(() => extended.filter((ids) => ids.includes(id)).length >= 4, 'its lease kept alive');
    assert.ok(claims > claimsBefore, 'the worker claimed meanwhile');
    assert.equal(rx.paths.length, 1, 'not sent again while its result waits');
    recordGate = null;
    open();
    await until(async () => (await store.getDelivery(TENANT, id))?.status === 'delivered', 'delivered');
    await worker.idle();
    assert.equal(rx.paths.length, 1);
  });

  test('a delivery claimed again just after its result commits is given back and sent, not stranded', async () => {
    // The first request fails; its retry is due at once. The retry is committed, but the worker
    // learns of the commit only after its next claim has taken the delivery again.
    let requests = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(++requests === 1 ? 500 : 204).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await hook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/retry`);
    let open!: () => void;
    answerGate = new Promise<void>((resolve) => (open = resolve));
    const { worker, publisher } = await start({ pollIntervalMs: 50 });
    const [r] = await publish(publisher, 1);
    const id = r!.deliveries[0]!.id;
    await until(async () => (await store.getDelivery(TENANT, id))?.attempts === 1, 'the failure committed');
    const claimsBefore = claims;
    await until(() => claims >= claimsBefore + 2, 'claims while the commit is unseen');
    assert.equal(requests, 1, 'not sent again before its result is seen');
    answerGate = null;
    open();
    // Its lease (60 s here) is given back once the commit is seen, so it goes at once.
    await until(async () => (await store.getDelivery(TENANT, id))?.status === 'delivered', 'delivered');
    await worker.idle();
    assert.equal(requests, 2);
  });

  test('claims start after the rows the last one took; a row committed behind them is found by a rescan', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    rx.release();
    const h = await hook(`${rx.url}/cursor`);
    // A backlog committed with no worker to hand it to, as after a restart.
    const old = Date.now() - 60_000;
    const event = (i: number, at: number) => {
      const id = newId('event', at);
      return {
        event: {
          ...{ id, tenantId: TENANT, eventID: `e${i}`, type: 'site.created', dateAdded: at },
          ...{
            payload: `{"i":${i}}`,
            idempotencyKey: null,
            createdAt: at,
            typeVersion: null,
            traceparent: null,
          },
        },
        deliveries: [newDelivery(TENANT, id, h.id, at)],
      };
    };
    await store.insertEvents(Array.from({ length: 40 }, (_, i) => event(i, old + i)));
    // Claims of at most 4: the 40 come in several claims.
    const { worker } = await start({ batchSize: 4, pollIntervalMs: 300 });
    await rx.received(40);
    await until(() => worker.held === 0, 'the backlog sent');
    assert.equal(claimedAfter[0], null, 'the first claim starts at the head');
    assert.ok(
      claimedAfter.some((a) => a !== null && a.at >= old),
      'later claims start after the rows already claimed',
    );
    // Committed by someone else with an earlier due time than every row claimed, and announced
    // to nobody: only a claim from the head finds it.
    const [behind] = await store.insertEvents([event(99, old - 1000)]);
    await rx.received(41);
    await until(
      async () => (await store.getDelivery(TENANT, behind!.deliveries[0]!.id))?.status === 'delivered',
      'delivered',
    );
    await worker.idle();
    assert.equal(new Set(rx.ids).size, 41);
    assert.equal(rx.ids.length, 41, 'each sent once');
  });
  test('a hook whose answers take 100 ms or more holds no slots beyond its cap', async () => {
    // Answers every request after 150 ms: a slow receiver, not a wait of the test's.
    let arrivals = 0;
    const inFlightSeen: number[] = [];
    let worker: Worker | null = null;
    const server = createServer((req, res) => {
      req.resume();
      arrivals++;
      if (arrivals > 20 && worker) inFlightSeen.push(worker.inFlight);
      setTimeout(() => res.writeHead(204).end(), 150);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => undefined);
    });
    await hook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`);
    // The sender thread queues up to 3 × a key's cap; a slow key gets its cap (slow-keys.ts).
    const started = await start({ hookMaxInFlight: 4, batchSize: 64 }, true);
    worker = started.worker;
    await publish(started.publisher, 40);
    await until(() => arrivals >= 40, 'all sent', 20_000);
    await until(() => worker!.held === 0, 'all recorded', 20_000);
    assert.ok(inFlightSeen.length > 0);
    assert.ok(
      Math.max(...inFlightSeen) <= 4,
      `in flight once the hook was seen slow: ${inFlightSeen.join(',')}`,
    );
  });

  test('a backlog of one tenant drains with no claim that leaves the tenant out (each would find nothing)', async () => {
    const rx = await GatedReceiver.start();
    cleanups.push(() => rx.close());
    rx.release();
    const h = await hook(`${rx.url}/one-tenant`);
    const old = Date.now() - 60_000;
    const events = Array.from({ length: 300 }, (_, i) => {
      const id = newId('event', old + i);
      return {
        event: {
          ...{ id, tenantId: TENANT, eventID: `e${i}`, type: 'site.created', dateAdded: old + i },
          ...{
            payload: `{"i":${i}}`,
            idempotencyKey: null,
            createdAt: old + i,
            typeVersion: null,
            traceparent: null,
          },
        },
        deliveries: [newDelivery(TENANT, id, h.id, old + i)],
      };
    });
    await store.insertEvents(events);
    // Holds at most 32, the tenant 24: deliveries that finish during a claim wake the loop, and
    // the claim then fills the tenant's share. No poll comes during the drain.
    const { worker } = await start({ batchSize: 8, pollIntervalMs: 60_000 });
    // Each claim answers after another delivery arrived, as a database round trip would.
    claimGate = async () => {
      if (worker.inFlight > 0 && rx.ids.length < 300) await rx.received(rx.ids.length + 1);
    };
    await rx.received(300);
    await until(() => worker.held === 0, 'the backlog sent');
    assert.ok(claimedAfter.length > 10, `${claimedAfter.length} claims`);
    assert.deepEqual(
      leftOut.filter((t) => t.includes(TENANT)),
      [],
      'claims that left the only tenant out',
    );
  });
});
