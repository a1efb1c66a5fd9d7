/**
 * The filtering proxy every browser request goes through (navigations, redirects — each hop is
 * a new request —, iframes, subresources, fetch/XHR and WebSockets). It listens on 127.0.0.1 on
 * an ephemeral port and applies the delivery agent's connect-time check (lookup.ts): the proxy
 * resolves names itself, refuses the whole lookup if any address is blocked, and connects only
 * to the addresses it checked. Browsers never resolve or connect to a target themselves.
 *
 * - Plain HTTP (absolute-form requests) is forwarded without following redirects, with the
 *   hop-by-hop headers dropped.
 * - CONNECT (HTTPS, and WebSockets, which browsers tunnel) opens a checked TCP tunnel.
 * - An `Upgrade` request in absolute form (a plain ws:// some browsers send) is forwarded the
 *   same way on a checked socket.
 *
 * A refusal is a 403 carrying {@link BLOCKED_HEADER} and a page saying "blocked by the network
 * policy"; it never says which address a name resolved to. Ports registered with protect()
 * (the proxy's own, a browser's remote-control port) are refused on loopback whatever the
 * allowlist says, so a trace on an allowlisted loopback cannot drive the browser or loop.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Cidr } from './policy.ts';
import {
  BLOCKED_BY_POLICY,
  createGuardedLookup,
  literalRefusal,
  TARGET_BLOCKED_CODE,
  unbracket,
} from './lookup.ts';

/** Set on the proxy's refusals, so the runner tells them from a site's own 403. */
export const BLOCKED_HEADER = 'x-herald-blocked';

const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const BLOCKED_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Blocked by the network policy</title>' +
  `<h1>Herald: ${BLOCKED_BY_POLICY}</h1>`;

interface Target {
  host: string;
  port: number;
}

/** `host:port` of a CONNECT, or the host and port of an absolute URL; null when unusable. */
function parseTarget(authorityOrUrl: string, defaultPort: number): Target | null {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(authorityOrUrl) ? authorityOrUrl : `http://${authorityOrUrl}`;
  const u = URL.parse(text);
  if (!u || u.hostname === '') return null;
  // The WHATWG parser normalises legacy IPv4 spellings (0x7f000001, 127.1) into dotted quads.
  const port = u.port === '' ? (/^(https|wss):/.test(text) ? 443 : defaultPort) : Number(u.port);
  return { host: unbracket(u.hostname), port };
}

function forwardedHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers['connection'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k) && !named.has(k)) out[k] = v;
  }
  return out;
}

function ownPortError(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${BLOCKED_BY_POLICY}: a port of Herald's own`);
  err.code = TARGET_BLOCKED_CODE;
  return err;
}

export interface ProxyOptions {
  allowlist: readonly Cidr[];
  connectTimeoutMs?: number;
  /** Told of each refusal (for the log): the target as the browser named it. */
  onRefused?: (target: string, reason: string) => void;
}

export class FilteringProxy {
  readonly #server: http.Server;
  readonly #allowlist: readonly Cidr[];
  readonly #lookup: net.LookupFunction;
  readonly #timeoutMs: number;
  readonly #onRefused: ProxyOptions['onRefused'];
  readonly #protected = new Set<number>();
  readonly #sockets = new Set<Duplex>();
  #refusals = 0;
  port = 0;

  private constructor(o: ProxyOptions) {
    this.#allowlist = o.allowlist;
    this.#lookup = createGuardedLookup(o.allowlist);
    this.#timeoutMs = o.connectTimeoutMs ?? 10_000;
    this.#onRefused = o.onRefused;
    this.#server = http.createServer((req, res) => this.#request(req, res));
    this.#server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#connect(req, socket, head),
    );
    this.#server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(req, socket, head),
    );
    this.#server.on('connection', (s: net.Socket) => this.#track(s));
  }

  static async start(o: ProxyOptions): Promise<FilteringProxy> {
    const proxy = new FilteringProxy(o);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.port = (proxy.#server.address() as net.AddressInfo).port;
    proxy.protect(proxy.port);
    return proxy;
  }

  /** `http://127.0.0.1:PORT`, for the browsers' proxy settings. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** How many requests were refused so far (the runner compares before and after a step). */
  get refusals(): number {
    return this.#refusals;
  }

  /** Refuses this loopback port whatever the allowlist (the proxy's own, a browser's control port). */
  protect(port: number): void {
    this.#protected.add(port);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }

  #track(s: Duplex): void {
    this.#sockets.add(s);
    s.once('close', () => this.#sockets.delete(s));
  }

  /** The reason to refuse an IP literal before any socket, or null (names: the guarded lookup). */
  #preCheck(t: Target): string | null {
    return literalRefusal(t.host, this.#allowlist)?.message ?? null;
  }

  #refused(target: string, reason: string): void {
    this.#refusals++;
    this.#onRefused?.(target, reason);
  }

  /** Checked on the address really connected to, so no name or spelling gets around it. */
  #isProtected(port: number, s: net.Socket): boolean {
    return this.#protected.has(port) && literalRefusal(s.remoteAddress ?? '', [])?.range === 'loopback';
  }

  /** A socket to the target through the guarded lookup. */
  #dial(t: Target, onReady: (s: net.Socket) => void, onFail: (err: NodeJS.ErrnoException) => void): void {
    let ready = false;
    const upstream = net.connect({ host: t.host, port: t.port, lookup: this.#lookup });
    upstream.setTimeout(this.#timeoutMs, () =>
      upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
    );
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      if (this.#isProtected(t.port, upstream)) {
        upstream.destroy();
        return onFail(ownPortError());
      }
      ready = true;
      this.#track(upstream);
      onReady(upstream);
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (!ready) onFail(err);
    });
  }

  #request(req: http.IncomingMessage, res: http.ServerResponse): void {
    const t = parseTarget(req.url ?? '', 80);
    if (!t || !/^http:\/\//i.test(req.url ?? '')) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Herald proxy: absolute http:// URLs only\n');
      return;
    }
    const deny = (reason: string) => {
      this.#refused(`${t.host}:${t.port}`, reason);
      res
        .writeHead(403, { 'content-type': 'text/html; charset=utf-8', [BLOCKED_HEADER]: '1' })
        .end(BLOCKED_PAGE);
    };
    const early = this.#preCheck(t);
    if (early) return deny(early);
    const u = new URL(req.url!);
    const upstream = http.request({
      host: t.host,
      port: t.port,
      method: req.method,
      path: `${u.pathname}${u.search}`,
      headers: forwardedHeaders(req.headers),
      lookup: this.#lookup,
      agent: false,
    });
    // A connect timeout only: once connected, a slow answer (long polling, a stream) is the
    // page's business, and the browser closing its side ends the upstream request too.
    upstream.on('socket', (sock: net.Socket) => {
      sock.setTimeout(this.#timeoutMs, () =>
        upstream.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
      );
      sock.once('connect', () => {
        sock.setTimeout(0);
        if (this.#isProtected(t.port, sock)) upstream.destroy(ownPortError());
      });
    });
    upstream.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, forwardedHeaders(up.headers));
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      if (err.code === TARGET_BLOCKED_CODE) return deny(err.message);
      // The code only: a socket error's message may carry the address a name resolved to.
      res
        .writeHead(502, { 'content-type': 'text/plain' })
        .end(`Herald proxy: ${t.host} unreachable (${err.code ?? 'error'})\n`);
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  #connect(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const t = parseTarget(req.url ?? '', 443);
    const refuse = (reason: string): void => {
      this.#refused(req.url ?? '', reason);
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: text/html; charset=utf-8\r\n${BLOCKED_HEADER}: 1\r\n` +
          `content-length: ${Buffer.byteLength(BLOCKED_PAGE)}\r\nconnection: close\r\n\r\n${BLOCKED_PAGE}`,
      );
    };
    if (!t) return void socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    const early = this.#preCheck(t);
    if (early) return refuse(early);
    this.#dial(
      t,
      (upstream) => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        this.#splice(socket, upstream);
      },
      (err) => {
        if (err.code === TARGET_BLOCKED_CODE) return refuse(err.message);
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      },
    );
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const t = parseTarget(req.url ?? '', 80);
    if (!t || !/^(http|ws):\/\//i.test(req.url ?? '')) return void socket.destroy();
    const blocked = (reason: string) => {
      this.#refused(`${t.host}:${t.port}`, reason);
      socket.end(
        `HTTP/1.1 403 Forbidden\r\n${BLOCKED_HEADER}: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
      );
    };
    const early = this.#preCheck(t);
    if (early) return blocked(early);
    this.#dial(
      t,
      (upstream) => {
        const u = new URL(req.url!);
        const lines = [`${req.method} ${u.pathname}${u.search} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) {
          const name = req.rawHeaders[i]!;
          if (!/^proxy-/i.test(name)) lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
        }
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length > 0) upstream.write(head);
        this.#splice(socket, upstream);
      },
      (err) => (err.code === TARGET_BLOCKED_CODE ? blocked(err.message) : socket.destroy()),
    );
  }

  #splice(a: Duplex, b: net.Socket): void {
    a.pipe(b);
    b.pipe(a);
    b.on('error', () => a.destroy());
    a.on('close', () => b.destroy());
    b.on('close', () => a.destroy());
  }
}
