import { createServer, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback receiver that misbehaves by path, for the first `times` requests of each path
 * (then answers 204), so a test sees the bad attempt and the retry that succeeds:
 *  - `/trickle…`  answers 200 and sends its body one byte every 100 ms, for ever (faster than
 *                 any per-chunk body timeout, as 1 byte/s is against the default 15 s);
 *  - `/hang…`     reads the request and never answers;
 *  - `/endless…`  answers 200 (`/endless500…`: 500) and streams 64 KiB chunks without end;
 *  - `/slow/MS…`  answers 200 after MS milliseconds.
 */
export class BadReceiver {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  readonly requests: Array<{ path: string; at: number; bytes: number }> = [];
  /** Response streams the client closed before their end (endless and trickling bodies). */
  cutStreams = 0;
  times = Infinity;
  url = '';

  private constructor() {
    this.server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        const path = req.url ?? '/';
        const seen = this.requests.filter((r) => r.path === path).length;
        this.requests.push({ path, at: Date.now(), bytes });
        if (seen >= this.times) res.writeHead(204).end();
        else this.misbehave(path, res);
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(times = Infinity): Promise<BadReceiver> {
    const r = new BadReceiver();
    r.times = times;
    r.server.listen(0, '127.0.0.1');
    await once(r.server, 'listening');
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  private misbehave(path: string, res: ServerResponse): void {
    if (path.startsWith('/hang')) return;
    if (path.startsWith('/slow/')) {
      setTimeout(() => res.writeHead(200).end('ok'), Number(path.split('/')[2]));
      return;
    }
    const endless = path.startsWith('/endless');
    res.writeHead(path.startsWith('/endless500') ? 500 : 200, { 'content-type': 'text/plain' });
    const chunk = endless ? Buffer.alloc(64 * 1024, 'x') : Buffer.from('x');
    const timer = setInterval(() => res.write(chunk), endless ? 1 : 100);
    res.on('close', () => {
      clearInterval(timer);
      this.cutStreams++;
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
