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
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  private answer(path: string, res: ServerResponse): void {
    if (path === '/hang') return;
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
