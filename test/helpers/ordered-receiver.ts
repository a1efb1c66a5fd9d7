import { createServer, type Server } from 'node:http';
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

/**
 * A loopback receiver for FIFO and rate-limit tests. Every `failEvery`-th request of a key is answered
 * 500 (0: never); answers wait `delayMs`, so overlapping requests would be seen. It records when
 * each request arrived and was answered, and how many of the same key were in flight then.
 */
export class OrderedReceiver {
  readonly requests: OrderedRequest[] = [];
  url = '';
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly inFlight = new Map<string, number>();
  private readonly count = new Map<string, number>();
  private waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];

  private readonly o: { failEvery: number; delayMs: number; keyOf: (body: unknown) => string };

  private constructor(o: { failEvery: number; delayMs: number; keyOf: (body: unknown) => string }) {
    this.o = o;
    this.server = createServer((req, res) => {
      const arrivedAt = Date.now();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventID: string };
        const key = this.o.keyOf(body);
        const concurrentSameKey = this.inFlight.get(key) ?? 0;
        this.inFlight.set(key, concurrentSameKey + 1);
        // Counted per key: with keys in parallel, a global count could fail one key every time.
        const n = (this.count.get(key) ?? 0) + 1;
        this.count.set(key, n);
        const status = this.o.failEvery > 0 && n % this.o.failEvery === 0 ? 500 : 200;
        setTimeout(() => {
          this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
          const r = {
            eventID: body.eventID,
            key,
            status,
            arrivedAt,
            answeredAt: Date.now(),
            concurrentSameKey,
          };
          res.writeHead(status).end();
          this.requests.push(r);
          this.waiters = this.waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
        }, this.o.delayMs);
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(o: {
    failEvery?: number;
    delayMs?: number;
    keyOf?: (body: unknown) => string;
  }): Promise<OrderedReceiver> {
    const r = new OrderedReceiver({
      failEvery: o.failEvery ?? 0,
      delayMs: o.delayMs ?? 0,
      keyOf: o.keyOf ?? (() => ''),
    });
    r.server.listen(0, '127.0.0.1');
    await once(r.server, 'listening');
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
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
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
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

/** The most requests that arrived within any `windowMs` (sliding over arrival times). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
