import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';

/** One request as the ordered receiver saw it: which event, its key, and how it was answered. */
export interface OrderedRequest {
  eventID: string;
  key: string;
  status: number;
  arrivedAt: number;
  answeredAt: number;
  /** Requests of the same key in flight when this one arrived (itself excluded). */
  concurrentSameKey: number;
}

interface Options {
  /** Every failEvery-th request of a key is answered 500 (0: never). */
  failEvery: number;
  delayMs: number;
  /** The key's field in the body, a JSON Pointer such as /data/projectID; none: one key. */
  keyPointer: string | null;
}

const CHILD_FLAG = '--ordered-receiver-child';

/** The server itself: answers as `o` says and reports each answered request. */
async function serve(
  o: Options,
  record: (r: OrderedRequest) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const inFlight = new Map<string, number>();
  const count = new Map<string, number>();
  const sockets = new Set<Socket>();
  const keyOf = (body: unknown): string => {
    if (o.keyPointer === null) return '';
    let at: unknown = body;
    for (const part of o.keyPointer.slice(1).split('/'))
      at = (at as Record<string, unknown> | undefined)?.[part];
    return String(at);
  };
  const server: Server = createServer((req, res) => {
    const arrivedAt = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventID: string };
      const key = keyOf(body);
      const concurrentSameKey = inFlight.get(key) ?? 0;
      inFlight.set(key, concurrentSameKey + 1);
      // Counted per key: with keys in parallel, a global count could fail one key every time.
      const n = (count.get(key) ?? 0) + 1;
      count.set(key, n);
      const status = o.failEvery > 0 && n % o.failEvery === 0 ? 500 : 200;
      setTimeout(() => {
        inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
        res.writeHead(status).end();
        record({ eventID: body.eventID, key, status, arrivedAt, answeredAt: Date.now(), concurrentSameKey });
      }, o.delayMs);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}

/**
 * A loopback receiver for FIFO and rate-limit tests, in its own process: its arrival times are
 * then not those of an event loop that an in-process Herald keeps busy. Every `failEvery`-th
 * request of a key is answered 500; answers wait `delayMs`, so overlapping requests would be
 * seen. It records when each request arrived and was answered, and how many of the same key
 * were in flight then.
 */
export class OrderedReceiver {
  readonly requests: OrderedRequest[] = [];
  url = '';
  private child: ChildProcess | null = null;
  private waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];

  static async start(o: Partial<Options>): Promise<OrderedReceiver> {
    const opts: Options = {
      failEvery: o.failEvery ?? 0,
      delayMs: o.delayMs ?? 0,
      keyPointer: o.keyPointer ?? null,
    };
    const r = new OrderedReceiver();
    const child = fork(fileURLToPath(import.meta.url), [CHILD_FLAG, JSON.stringify(opts)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    r.child = child;
    const [ready] = (await once(child, 'message')) as [{ url: string }];
    r.url = ready.url;
    child.on('message', (m: OrderedRequest) => {
      r.requests.push(m);
      r.waiters = r.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
    });
    return r;
  }

  /** Distinct events answered 2xx. */
  get delivered(): Set<string> {
    return new Set(this.requests.filter((r) => r.status < 300).map((r) => r.eventID));
  }

  /** Resolves once `n` distinct events were answered 2xx. */
  waitDelivered(n: number, timeoutMs = 60_000): Promise<void> {
    const pred = () => this.delivered.size >= n;
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`ordered receiver: ${this.delivered.size} of ${n} events after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill();
    await exited;
  }
}

if (process.argv[2] === CHILD_FLAG) {
  const server = await serve(JSON.parse(process.argv[3]!) as Options, (r) => process.send!(r));
  process.send!({ url: server.url });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

/**
 * Order problems of the requests of one key, given the accepted order of its events: a first
 * success out of order, or a request for an event sent before the previous event was answered 2xx.
 */
export function orderProblems(requests: readonly OrderedRequest[], accepted: readonly string[]): string[] {
  const problems: string[] = [];
  const index = new Map(accepted.map((id, i) => [id, i]));
  const okAt = new Map<string, number>();
  for (const r of requests) if (r.status < 300 && !okAt.has(r.eventID)) okAt.set(r.eventID, r.answeredAt);
  const firstOk = [...okAt.keys()];
  firstOk.forEach((id, i) => {
    if (index.get(id) !== i) problems.push(`success #${i} is ${id}, accepted #${index.get(id)}`);
  });
  for (const r of requests) {
    const i = index.get(r.eventID)!;
    if (i === 0) continue;
    const prevOk = okAt.get(accepted[i - 1]!);
    if (prevOk === undefined || r.arrivedAt < prevOk)
      problems.push(`${r.eventID} was sent before ${accepted[i - 1]} was answered 2xx`);
  }
  return problems;
}

export { maxInWindow } from '../../bench/lib.ts';
