import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { InlineSender, ThreadSender, type Sender, type SenderOptions } from '../../src/delivery/sender.ts';
import { RESPONSE_BODY_LIMIT } from '../../src/delivery/send.ts';
import type { ClaimedDelivery } from '../../src/domain/types.ts';
import { claimedToHook } from '../helpers/claimed.ts';

const TIMEOUT_MS = 800;
const options: SenderOptions = {
  allowlist: '127.0.0.0/8',
  connectionsPerOrigin: 32,
  connectTimeoutMs: 2000,
  timeoutMs: TIMEOUT_MS,
};

function claimed(url: string, eventRowId = 'evt_limits', payload = '{"data":{}}'): ClaimedDelivery {
  const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
  return claimedToHook({ url, secret, eventRowId, payload });
}

/** A receiver that misbehaves by path: trickles, never answers, or streams without end. */
class BadReceiver {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  readonly bodies: string[] = [];
  /** Resolves each time a response stream is closed by the client. */
  closedStreams = 0;
  /** Connections accepted so far. */
  connections = 0;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        this.answer(req.url ?? '/', res);
      });
    });
    this.server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  private answer(path: string, res: ServerResponse): void {
    if (path === '/hang') return;
    if (path === '/short') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5000' }).end('s'.repeat(5000));
      return;
    }
    if (path === '/big') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1 << 20) });
      res.on('close', () => this.closedStreams++);
      res.end(Buffer.alloc(1 << 20, 'b'));
      return;
    }
    if (path.startsWith('/slow')) {
      setTimeout(() => res.writeHead(200).end('ok'), Number(path.slice(6)) || 300);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    const stop = () => {
      clearInterval(timer);
      this.closedStreams++;
    };
    res.on('close', stop);
    const chunk = path === '/endless' ? Buffer.alloc(64 * 1024, 'x') : Buffer.from('x');
    const timer = setInterval(() => res.write(chunk), path === '/endless' ? 1 : 100);
  }

  static async start(): Promise<BadReceiver> {
    const r = new BadReceiver();
    r.server.listen(0, '127.0.0.1');
    await once(r.server, 'listening');
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}

const kinds: Array<[string, () => Promise<Sender>]> = [
  ['inline', async () => new InlineSender(options)],
  ['thread', () => ThreadSender.start(options)],
];

for (const [kind, make] of kinds) {
  describe(`${kind} sender under misbehaving receivers`, () => {
    let rx: BadReceiver;
    let sender: Sender;
    before(async () => {
      rx = await BadReceiver.start();
      sender = await make();
    });
    after(async () => {
      await sender?.close();
      await rx?.close();
    });

    test('a body trickled a byte at a time ends at the overall deadline', async () => {
      const started = Date.now();
      const outcome = await sender.send(claimed(`${rx.url}/trickle`));
      const took = Date.now() - started;
      assert.equal(outcome.ok, false);
      assert.match(String(outcome.attempt.error), /timeout: no complete answer within 800 ms/);
      assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 1000, `took ${took} ms`);
    });

    test('a receiver that never answers ends at the deadline', async () => {
      const started = Date.now();
      const outcome = await sender.send(claimed(`${rx.url}/hang`));
      assert.match(String(outcome.attempt.error), /^timeout/);
      assert.ok(Date.now() - started < TIMEOUT_MS + 1000);
    });

    test('an endless 200 body is cut after the logged prefix and its connection closed', async () => {
      const before = rx.closedStreams;
      const started = Date.now();
      const outcome = await sender.send(claimed(`${rx.url}/endless`));
      assert.equal(outcome.ok, true);
      assert.equal(outcome.attempt.responseStatus, 200);
      assert.equal(outcome.attempt.responseBody?.length, RESPONSE_BODY_LIMIT);
      assert.ok(Date.now() - started < TIMEOUT_MS, 'did not wait for the deadline');
      while (rx.closedStreams === before) await new Promise((r) => setImmediate(r));
    });

    test('a short body of known length is read whole and its connection kept for later attempts', async () => {
      const before = rx.connections;
      for (let i = 0; i < 4; i++) {
        const o = await sender.send(claimed(`${rx.url}/short`));
        assert.equal(o.ok, true);
        assert.equal(o.attempt.responseBody, 's'.repeat(RESPONSE_BODY_LIMIT));
        assert.equal(o.attempt.responseHeaders?.['content-length'], '5000');
      }
      // undici may open a second connection while the first is being released; a cut body
      // would cost one per attempt.
      assert.ok(rx.connections - before <= 2, `${rx.connections - before} connections for 4 attempts`);
    });

    test('a long body of known length is cut after the logged prefix, not drained', async () => {
      const before = rx.closedStreams;
      const outcome = await sender.send(claimed(`${rx.url}/big`));
      assert.equal(outcome.ok, true);
      assert.equal(outcome.attempt.responseBody, 'b'.repeat(RESPONSE_BODY_LIMIT));
      while (rx.closedStreams === before) await new Promise((r) => setImmediate(r));
    });

    test('a header value undici refuses fails the attempt instead of throwing', async () => {
      const c = claimed(`${rx.url}/short`);
      c.hook!.headers = { 'x-bad': 'a\r\nb' };
      const outcome = await sender.send(c);
      assert.equal(outcome.ok, false);
      assert.equal(outcome.attempt.responseStatus, null);
      assert.match(String(outcome.attempt.error), /invalid x-bad header/);
      assert.equal(outcome.attempt.requestHeaders['x-bad'], '[redacted]');
    });

    test('attempts of one event share its payload and nothing stays held afterwards', async () => {
      const payload = JSON.stringify({ data: { blob: 'y'.repeat(200_000) } });
      const n = 20;
      const outcomes = await Promise.all(
        Array.from({ length: n }, () => sender.send(claimed(`${rx.url}/slow/100`, 'evt_shared', payload))),
      );
      assert.ok(outcomes.every((o) => o.ok));
      assert.equal(rx.bodies.filter((b) => b === payload).length, n);
      if (sender instanceof ThreadSender) assert.equal(sender.threadPayloads, 0);
      if (sender instanceof InlineSender) assert.deepEqual(sender.heldBodies, { events: 0, bytes: 0 });
    });
  });
}

test('an attempt still waiting for a connection at its deadline ends then too', async () => {
  const rx = await BadReceiver.start();
  // One connection: the second attempt waits in the pool behind the first, which hangs.
  const sender = new InlineSender({ ...options, connectionsPerOrigin: 1 });
  try {
    const started = Date.now();
    const outcomes = await Promise.all([
      sender.send(claimed(`${rx.url}/hang`)),
      sender.send(claimed(`${rx.url}/hang`)),
    ]);
    const took = Date.now() - started;
    for (const o of outcomes)
      assert.match(String(o.attempt.error), /^timeout: no complete answer within 800 ms/);
    assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 1000, `took ${took} ms`);
    assert.equal(rx.bodies.length, 1, 'the waiting attempt was never sent');
  } finally {
    await sender.close();
    await rx.close();
  }
});

test('attempts started apart each end at their own deadline', async () => {
  const rx = await BadReceiver.start();
  const sender = new InlineSender(options);
  try {
    const started = Date.now();
    const first = sender.send(claimed(`${rx.url}/hang`)).then(() => Date.now() - started);
    await new Promise((r) => setTimeout(r, 300));
    const second = sender.send(claimed(`${rx.url}/hang`)).then(() => Date.now() - started);
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a >= TIMEOUT_MS - 50 && a < TIMEOUT_MS + 1000, `first took ${a} ms`);
    // The second started 300 ms later: it is not cut at the first one's deadline.
    assert.ok(b >= TIMEOUT_MS + 280 && b < TIMEOUT_MS + 1300, `second took ${b} ms`);
  } finally {
    await sender.close();
    await rx.close();
  }
});

test('an attempt started as another one times out gets its own full deadline', async () => {
  const rx = await BadReceiver.start();
  const sender = await ThreadSender.start(options);
  try {
    // Cap 1: the thread starts the second job the moment the first one's deadline ends it.
    const started = Date.now();
    const ends = await Promise.all(
      [1, 2].map((n) =>
        sender.submit(claimed(`${rx.url}/hang`, `evt_cap_${n}`), 'hang-key', 1).then((o) => {
          assert.match(String(o?.attempt.error), /^timeout/);
          return Date.now() - started;
        }),
      ),
    );
    const [a, b] = ends as [number, number];
    assert.ok(a >= TIMEOUT_MS - 50 && a < TIMEOUT_MS + 1000, `first took ${a} ms`);
    assert.ok(
      b - a >= TIMEOUT_MS - 50 && b - a < TIMEOUT_MS + 1000,
      `second took ${b - a} ms after the first`,
    );
  } finally {
    await sender.close();
    await rx.close();
  }
});

test('the thread sender holds one payload per event while its attempts are in flight', async () => {
  const rx = await BadReceiver.start();
  const sender = await ThreadSender.start(options);
  try {
    const sends = [
      ...Array.from({ length: 5 }, () => sender.send(claimed(`${rx.url}/slow/300`, 'evt_a', '{"a":1}'))),
      ...Array.from({ length: 5 }, () => sender.send(claimed(`${rx.url}/slow/300`, 'evt_b', '{"b":2}'))),
    ];
    assert.equal(sender.threadPayloads, 2);
    // A later attempt of an event still in flight reuses the copy the thread holds.
    sends.push(sender.send(claimed(`${rx.url}/slow/10`, 'evt_a', '{"a":1}')));
    const outcomes = await Promise.all(sends);
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(rx.bodies.filter((b) => b === '{"a":1}').length, 6);
    assert.equal(sender.threadPayloads, 0);
  } finally {
    await sender.close();
    await rx.close();
  }
});
