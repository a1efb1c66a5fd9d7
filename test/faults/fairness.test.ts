import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

/**
 * Issue 8, "fair shares": tenant A has 8 hooks whose receivers never answer (or trickle their
 * body at 1 byte/s) and a backlog of 200 events; tenant B's one fast hook must still get all
 * 50 of its events within 10 s, with the default caps (512 in flight, 64 per hook). Then the
 * process must stop within 30 s whatever the receivers do.
 */

type Mode = 'silent' | 'trickle';

/** A receiver that accepts connections and then never answers, or answers 1 byte a second. */
class StuckReceiver {
  readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: Server;
  url = '';

  private constructor(mode: Mode) {
    if (mode === 'silent') {
      this.server = createServer((s) => {
        this.track(s);
        s.on('data', () => undefined);
      });
    } else {
      const http = createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write('.'), 1000);
        this.timers.add(t);
        res.on('close', () => {
          clearInterval(t);
          this.timers.delete(t);
        });
      });
      http.on('connection', (s: Socket) => this.track(s));
      this.server = http;
    }
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  static async start(mode: Mode): Promise<StuckReceiver> {
    const r = new StuckReceiver(mode);
    r.server.listen(0, '127.0.0.1');
    await once(r.server, 'listening');
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}

const site = (i: number) => ({
  event: 'site.created',
  data: {
    object: 'site',
    name: `s${i}`,
    siteKey: '11jyv9d1NEnY',
    projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
    siteUrl: 'http://www.example.com',
  },
});

async function until(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function scenario(mode: Mode, stopWhileStuck = true): Promise<void> {
  const stuck = await Promise.all(Array.from({ length: 8 }, () => StuckReceiver.start(mode)));
  const fast = await Receiver.start();
  // Default caps; a shorter delivery timeout only keeps the test (and its stop) short.
  let h: TestHerald | null = await startHerald('sqlite', {
    HERALD_DELIVERY_TIMEOUT_MS: '5000',
    HERALD_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1',
  });
  try {
    const api = h.api;
    for (const [i, r] of stuck.entries()) {
      const res = await api('POST', '/api/hooks', {
        name: `a${i}`,
        url: `${r.url}/a${i}`,
        objects: ['site'],
      });
      assert.equal(res.status, 201, res.text);
    }
    const t = await api('POST', '/api/admin/tenants', { name: 'B' });
    const k = await api('POST', `/api/admin/tenants/${t.body.id}/keys`, { role: 'admin' });
    const keyB = k.body.key as string;
    const hb = await api(
      'POST',
      '/api/hooks',
      { name: 'b', url: `${fast.url}/b`, objects: ['site'] },
      { key: keyB },
    );
    assert.equal(hb.status, 201, hb.text);

    const pubA = await api('POST', '/api/events/batch', {
      events: Array.from({ length: 200 }, (_, i) => site(i)),
    });
    assert.equal(pubA.status, 202, pubA.text);
    const worker = h.app.worker!;
    // A's backlog holds slots before B arrives (the worst case: B cannot get in first).
    await until(() => worker.inFlight >= 300, "A's requests in flight", 10_000);

    const pubB = await api(
      'POST',
      '/api/events/batch',
      { events: Array.from({ length: 50 }, (_, i) => site(i)) },
      { key: keyB },
    );
    assert.equal(pubB.status, 202, pubB.text);
    const answered = Date.now();
    await fast.waitFor(50, (r) => r.path === '/b', 10_000);
    assert.ok(Date.now() - answered <= 10_000);

    if (!stopWhileStuck) await Promise.all(stuck.map((r) => r.close()));
    const stopping = Date.now();
    const running = h;
    h = null;
    const stopped = running.stop();
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      stopped.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 30_000))),
    ]);
    clearTimeout(timer);
    // Too slow: end the receivers' part so the stop completes and the test cleans up.
    if (!inTime) await Promise.all(stuck.map((r) => r.close()));
    await stopped;
    assert.ok(
      inTime,
      `stop took more than 30 s (${Date.now() - stopping} ms with the receivers closed at 30 s)`,
    );
  } finally {
    await h?.stop();
    await fast.close();
    await Promise.all(stuck.map((r) => r.close()));
  }
}

describe('fair shares under dead receivers', () => {
  test("B's 50 events arrive within 10 s while A's 8 silent hooks hold a backlog; stop within 30 s", () =>
    scenario('silent'));
  test("B's 50 events arrive within 10 s when A's receivers trickle their body at 1 byte/s", () =>
    scenario('trickle', false));
  // worker.stop() gives up after deliveryTimeoutMs + 2 s, and each attempt has one overall
  // deadline in the sender, so even a body that never ends cannot hold the stop.
  test('stop within 30 s while the trickling receivers are still trickling', { timeout: 60_000 }, () =>
    scenario('trickle', true),
  );
});
