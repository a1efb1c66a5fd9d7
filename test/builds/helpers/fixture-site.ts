/**
 * A small web site on loopback for the browser tests: a home page, a login form that leads to
 * a dashboard, an element that appears late, a page whose state the test switches (to change
 * a build's outcome), and a page that holds its answer until released (to catch a build mid-run).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;

export class FixtureSite {
  url = '';
  /** What /toggle shows in #state. */
  toggle = 'green';
  /** While true, /hold does not answer. */
  holding = false;
  readonly paths: string[] = [];
  private readonly held: ServerResponse[] = [];
  private readonly sockets = new Set<Socket>();
  private holdWaiters: Array<() => void> = [];
  private readonly server = createServer((req, res) => this.handle(req.url ?? '/', res));

  static async start(): Promise<FixtureSite> {
    const site = new FixtureSite();
    site.server.on('connection', (s) => {
      site.sockets.add(s);
      s.on('close', () => site.sockets.delete(s));
    });
    site.server.listen(0, '127.0.0.1');
    await once(site.server, 'listening');
    site.url = `http://127.0.0.1:${(site.server.address() as AddressInfo).port}`;
    return site;
  }

  /** Resolves once a request to /hold is being held. */
  heldRequest(): Promise<void> {
    if (this.held.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.holdWaiters.push(resolve));
  }

  release(): void {
    this.holding = false;
    for (const res of this.held.splice(0)) this.send(res, page('Held', '<p id="held">Released</p>'));
  }

  private send(res: ServerResponse, html: string, status = 200): void {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  }

  private handle(rawUrl: string, res: ServerResponse): void {
    const url = new URL(rawUrl, 'http://fixture.invalid');
    this.paths.push(url.pathname);
    switch (url.pathname) {
      case '/':
        return this.send(
          res,
          page(
            'Fixture Home',
            '<h1 id="greeting">Welcome to the fixture</h1><a id="login-link" href="/login">Log in</a>',
          ),
        );
      case '/login':
        return this.send(
          res,
          page(
            'Log in',
            '<form action="/welcome" method="get">' +
              '<label>User <input id="user" name="user"></label>' +
              '<label>Password <input id="password" name="password" type="password"></label>' +
              '<button id="submit" type="submit">Log in</button></form>',
          ),
        );
      case '/welcome': {
        const user = url.searchParams.get('user') ?? '';
        const ok = url.searchParams.get('password') === 'mysecret';
        return this.send(
          res,
          page(
            'Dashboard',
            `<p class="welcome">${ok ? `Hello, ${esc(user)}` : 'Wrong password'}</p><div id="late"></div>` +
              `<script>setTimeout(() => { document.getElementById('late').innerHTML = '<span id="ready">Ready</span>'; }, 300);</script>`,
          ),
        );
      }
      case '/toggle':
        return this.send(res, page('Toggle', `<p id="state">${esc(this.toggle)}</p>`));
      case '/hold':
        if (!this.holding) return this.send(res, page('Held', '<p id="held">Released</p>'));
        this.held.push(res);
        for (const w of this.holdWaiters.splice(0)) w();
        return;
      case '/favicon.ico':
        res.writeHead(204).end();
        return;
      default:
        return this.send(res, page('Not found', '<h1>Not found</h1>'), 404);
    }
  }

  async close(): Promise<void> {
    for (const res of this.held.splice(0)) res.destroy();
    for (const s of this.sockets) s.destroy();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}
