import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  /** Which connection it came on: connections are numbered from 1 as they are accepted. */
  connection: number;
}

/** What the receiver does with a request: answer, hang, or drop the connection. */
export type Behaviour =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { hang: true }
  | { reset: true };

/**
 * A real HTTP receiver on loopback. Tests await requests (`waitFor`) instead of sleeping,
 * and choose each answer with `respond` (a queue of behaviours, then a default).
 */
export class Receiver {
  readonly requests: Received[] = [];
  private readonly server = createServer(
    (req, res) => void this.handle(req.method ?? '', req.url ?? '', req.headers, req, res),
  );
  private readonly sockets = new Set<Socket>();
  private readonly connectionOf = new WeakMap<Socket, number>();
  /** Connections accepted so far; a request on a later one was sent after this was read. */
  connections = 0;
  private readonly script: Behaviour[] = [];
  private readonly scriptByPath = new Map<string, Behaviour[]>();
  private fallback: Behaviour = { status: 204 };
  private waiters: Array<{ n: number; pred: (r: Received) => boolean; resolve: (r: Received[]) => void }> =
    [];
  url = '';

  static async start(host = '127.0.0.1'): Promise<Receiver> {
    const r = new Receiver();
    r.server.on('connection', (s) => {
      r.sockets.add(s);
      r.connectionOf.set(s, ++r.connections);
      s.on('close', () => r.sockets.delete(s));
    });
    r.server.listen(0, host);
    await once(r.server, 'listening');
    const { port } = r.server.address() as AddressInfo;
    r.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next requests get these behaviours in order; later ones get `fallback`. */
  respond(...behaviours: Behaviour[]): this {
    this.script.push(...behaviours);
    return this;
  }

  /** Like respond, for requests to `path` only (other hooks may share the receiver). */
  respondOn(path: string, ...behaviours: Behaviour[]): this {
    const list = this.scriptByPath.get(path) ?? [];
    list.push(...behaviours);
    this.scriptByPath.set(path, list);
    return this;
  }

  setDefault(b: Behaviour): this {
    this.fallback = b;
    return this;
  }

  /** Resolves once `n` requests matching `pred` have arrived (counting earlier ones). */
  waitFor(n: number, pred: (r: Received) => boolean = () => true, timeoutMs = 30_000): Promise<Received[]> {
    const have = this.requests.filter(pred);
    if (have.length >= n) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `receiver: waited ${timeoutMs} ms for ${n} request(s), got ${this.requests.filter(pred).length}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        n,
        pred,
        resolve: (rs) => {
          clearTimeout(timer);
          resolve(rs);
        },
      });
    });
  }

  private async handle(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    req: AsyncIterable<Buffer>,
    res: ServerResponse,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c);
    const behaviour = this.scriptByPath.get(path)?.shift() ?? this.script.shift() ?? this.fallback;
    const received = {
      method,
      path,
      headers,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
      connection: (res.socket && this.connectionOf.get(res.socket)) ?? 0,
    };
    this.requests.push(received);
    if ('reset' in behaviour) res.socket?.destroy();
    else if ('hang' in behaviour) {
      // Never answers; the socket is destroyed by close().
    } else {
      if (behaviour.delayMs) await new Promise((r) => setTimeout(r, behaviour.delayMs));
      res.writeHead(behaviour.status, behaviour.headers);
      res.end(behaviour.body ?? '');
    }
    this.waiters = this.waiters.filter((w) => {
      const matching = this.requests.filter(w.pred);
      if (matching.length < w.n) return true;
      w.resolve(matching);
      return false;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
