import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ThreadSender } from '../../src/delivery/sender.ts';
import { claimedToHook } from '../helpers/claimed.ts';
import { generateSecret } from '../../src/delivery/signature.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';

/** A loopback receiver that answers only when the test says so, and counts requests at once. */
class HeldReceiver {
  readonly held: ServerResponse[] = [];
  arrived = 0;
  open = 0;
  maxOpen = 0;
  url = '';
  private readonly server: Server;
  private arrivals: Array<{ n: number; resolve: () => void }> = [];

  constructor() {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.arrived++;
        this.open++;
        this.maxOpen = Math.max(this.maxOpen, this.open);
        res.on('finish', () => this.open--);
        this.held.push(res);
        this.arrivals = this.arrivals.filter((a) => (this.arrived >= a.n ? (a.resolve(), false) : true));
      });
    });
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` requests have arrived in all. */
  arrivedAt(n: number): Promise<void> {
    if (this.arrived >= n) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ n, resolve }));
  }

  answerOne(): void {
    this.held.shift()?.writeHead(204).end();
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}

function claimed(url: string, n: number): ClaimedDelivery {
  const payload = JSON.stringify({ eventID: `e${n}`, event: 'ping', dateAdded: Date.now(), data: {} });
  return claimedToHook({ url, secret: generateSecret(), eventRowId: `evt_${n}`, hookId: 'hook_q', payload });
}

describe('the sender thread queues jobs beyond a key’s cap', () => {
  let rx: HeldReceiver;
  let sender: ThreadSender;
  beforeEach(async () => {
    rx = new HeldReceiver();
    await rx.start();
    sender = await ThreadSender.start({
      allowlist: '127.0.0.0/8',
      connectionsPerOrigin: 8,
      connectTimeoutMs: 2000,
      timeoutMs: 10_000,
    });
  });
  afterEach(async () => {
    await rx.close();
    await sender.close();
  });

  test('runs at most cap requests of a key at once and starts the next as one ends', async () => {
    const outcomes = Array.from({ length: 5 }, (_, i) => sender.submit(claimed(rx.url, i), 'hook_q', 2));
    await rx.arrivedAt(2);
    rx.answerOne();
    await rx.arrivedAt(3);
    assert.equal(rx.open, 2, 'the third started only once the first had its answer');
    for (let answered = 1; answered < 5; answered++) {
      await rx.arrivedAt(Math.min(5, answered + 2));
      rx.answerOne();
    }
    const done = await Promise.all(outcomes);
    assert.ok(done.every((o) => o?.ok === true));
    assert.equal(rx.arrived, 5);
    assert.equal(rx.maxOpen, 2);
  });

  test('cancelQueued gives the waiting jobs back unstarted; the running one ends normally', async () => {
    const first = sender.submit(claimed(rx.url, 0), 'hook_q', 1);
    const queued = [1, 2].map((i) => sender.submit(claimed(rx.url, i), 'hook_q', 1));
    await rx.arrivedAt(1);
    sender.cancelQueued('hook_q');
    assert.deepEqual(await Promise.all(queued), [null, null]);
    rx.answerOne();
    assert.equal((await first)?.ok, true);
    assert.equal(rx.arrived, 1, 'the cancelled jobs were never sent');
  });

  test('a rate-limited job held past its start-by time goes back unstarted, for a new slot', async () => {
    const first = sender.submit(claimed(rx.url, 0), 'hook_q', 1);
    await rx.arrivedAt(1);
    // Queued behind the first, which is not answered before its start-by time has passed.
    const late = sender.submit({ ...claimed(rx.url, 1), startBy: Date.now() + 50 }, 'hook_q', 1);
    const inTime = sender.submit({ ...claimed(rx.url, 2), startBy: Date.now() + 60_000 }, 'hook_q', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    rx.answerOne();
    assert.equal((await first)?.ok, true);
    assert.equal(await late, null, 'not started: it would have gone out bunched with the next');
    await rx.arrivedAt(2);
    rx.answerOne();
    assert.equal((await inTime)?.ok, true);
    assert.equal(rx.arrived, 2);
    assert.equal(await sender.submit({ ...claimed(rx.url, 3), startBy: Date.now() - 1 }, 'hook_r', 4), null);
  });

  test('cancelQueued(null) cancels every key, and other keys keep their own caps', async () => {
    const a = [0, 1].map((i) => sender.submit(claimed(rx.url, i), 'key_a', 1));
    const b = [2, 3].map((i) => sender.submit(claimed(rx.url, i), 'key_b', 1));
    await rx.arrivedAt(2);
    assert.equal(rx.open, 2, 'one request per key');
    sender.cancelQueued(null);
    assert.deepEqual(await Promise.all([a[1], b[1]]), [null, null]);
    rx.answerOne();
    rx.answerOne();
    assert.ok((await Promise.all([a[0], b[0]])).every((o) => o?.ok === true));
    assert.equal(rx.arrived, 2);
  });
});
