import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback site for crawl tests, recording every request it gets. 60 HTML pages on three
 * levels: `/`, five sections `/sN/`, ten pages in each (`/sN/pM`), `/only-in-sitemap` (linked
 * from nowhere, listed in sitemap.xml), `/archive/` and `/archive/old` (an excluded prefix in
 * the tests) and `/private/secret` (robots.txt Disallow). `/` also links to another origin,
 * to a fragment of a page it already links, to `mailto:`, to `/data.json` (not HTML) and to two
 * redirects, `/go-away` (to the other origin) and `/sneaky` (into /private/); `/s3/p3` shows an
 * image from the other origin.
 */
export interface CrawlSite {
  base: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Requests of the signed-in area (`/account/…`), and whether they carried the session. */
  accountRequests: Array<{ path: string; signedIn: boolean }>;
  /** Extra HTML put into a page's `<main>` (a change between slots), by path. */
  extra: Map<string, string>;
  /**
   * Holds the `nth` request of `path` from now on (1-based) until `release()`: a kill lands mid-test.
   * `held` resolves when that request arrives.
   */
  hold(path: string, nth: number): { held: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** The signed-in area's account (with `signIn`): the session cookie it sets. */
export const ACCOUNT = { user: 'alice', password: 's3cret', cookie: 'session=alice-token' } as const;
/** Pages only a signed-in user sees (`signIn`): linked from `/`, each three levels deep at most. */
export const ACCOUNT_PAGES = ['/account/', '/account/orders', '/account/profile'];

export interface CrawlSiteOptions {
  /**
   * A signed-in area: `/` links `/account/`, which (with the session cookie that POST /login
   * sets for alice / s3cret) links `/account/orders` and `/account/profile`; without the cookie
   * each redirects to the sign-in form at `/login`.
   */
  signIn?: boolean;
}

export const SECTIONS = 5;
export const PER_SECTION = 10;

const page = (title: string, links: string[], extra = '') =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${extra}<ul>${links
    .map((l) => `<li><a href="${l}">${l}</a></li>`)
    .join('')}</ul></main></body></html>`;

const LOGIN_FORM = page(
  'Sign in',
  [],
  '<form method="post" action="/login"><label>User <input id="user" name="user"></label><label>Password <input id="password" name="password" type="password"></label><button id="submit">Sign in</button></form>',
);

export async function serveCrawlSite(otherOrigin: string, opts: CrawlSiteOptions = {}): Promise<CrawlSite> {
  const requests: string[] = [];
  const accountRequests: CrawlSite['accountRequests'] = [];
  const extra = new Map<string, string>();
  const holds = new Map<
    string,
    { nth: number; seen: number; arrived: () => void; released: Promise<void> }
  >();
  let base = '';
  const routes = new Map<string, [type: string, body: string]>();
  const html = (path: string, links: string[], extra = '') =>
    routes.set(path, ['text/html; charset=utf-8', page(path, links, extra)]);
  const sections = Array.from({ length: SECTIONS }, (_, i) => `/s${i + 1}/`);
  html('/', [
    ...sections,
    ...(opts.signIn ? ['/account/'] : []),
    '/archive/',
    '/private/secret',
    `${otherOrigin}/`,
    '/s1/#top',
    'mailto:someone@example.invalid',
    '/data.json',
    '/go-away',
    '/sneaky',
  ]);
  for (const s of sections) {
    const children = Array.from({ length: PER_SECTION }, (_, j) => `${s}p${j + 1}`);
    html(s, ['/', ...children]);
    children.forEach((c, j) => html(c, ['/', s, children[(j + 1) % children.length]!]));
  }
  html('/s3/p3', ['/'], `<img src="${otherOrigin}/pixel.png" alt="">`);
  html('/only-in-sitemap', ['/']);
  html('/archive/', ['/archive/old']);
  html('/archive/old', ['/']);
  html('/private/secret', ['/']);
  routes.set('/data.json', ['application/json', '{"not":"html"}']);
  const account = new Map([
    ['/account/', page('Your account', ['/account/orders', '/account/profile'], '<p>Welcome, alice</p>')],
    // An image without a text alternative that only the signed-in user's page has.
    ['/account/orders', page('Your orders', ['/account/'], '<img src="/pixel.png">')],
    ['/account/profile', page('Your profile', ['/account/'], '<p>alice@example.invalid</p>')],
  ]);

  /** The site's own answer, after any hold. */
  const answer = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signedIn = (req.headers.cookie ?? '').split(/;\s*/).includes(ACCOUNT.cookie);
    if (opts.signIn && path === '/login' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('user') === ACCOUNT.user && form.get('password') === ACCOUNT.password)
          return void res
            .writeHead(303, { location: '/account/', 'set-cookie': `${ACCOUNT.cookie}; Path=/; HttpOnly` })
            .end();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LOGIN_FORM);
      });
      return;
    }
    if (opts.signIn && path === '/login')
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LOGIN_FORM);
    if (opts.signIn && account.has(path)) {
      accountRequests.push({ path, signedIn });
      if (!signedIn) return void res.writeHead(302, { location: '/login' }).end();
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(account.get(path));
    }
    if (path === '/pixel.png') return void res.writeHead(204).end();
    return false;
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const held = holds.get(path);
    if (held && ++held.seen === held.nth) {
      held.arrived();
      void held.released.then(() => serve(req, res));
      return;
    }
    serve(req, res);
  });
  const serve = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (answer(req, res) !== false) return;
    if (path === '/robots.txt')
      return void res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(`User-agent: *\nDisallow: /private/\n\nSitemap: ${base}/sitemap.xml\n`);
    if (path === '/sitemap.xml') {
      const locs = [
        `${base}/`,
        `${base}/s1/`,
        `${base}/only-in-sitemap`,
        `${base}/private/listed`,
        `${otherOrigin}/x`,
      ];
      return void res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${locs
            .map((l) => `<url><loc>${l}</loc></url>`)
            .join('')}</urlset>`,
        );
    }
    const redirect = { '/go-away': `${otherOrigin}/landed`, '/sneaky': '/private/secret' }[path];
    if (redirect) return void res.writeHead(302, { location: redirect }).end();
    const route = routes.get(path);
    if (!route) return void res.writeHead(404).end();
    const added = extra.get(path);
    res
      .writeHead(200, { 'content-type': route[0] })
      .end(added === undefined ? route[1] : route[1].replace('</h1>', `</h1>${added}`));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
    accountRequests,
    extra,
    hold(path, nth) {
      let arrived!: () => void;
      let release!: () => void;
      const held = new Promise<void>((r) => (arrived = r));
      const released = new Promise<void>((r) => (release = r));
      holds.set(path, { nth, seen: 0, arrived, released });
      return { held, release };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Another origin on loopback that must never be asked for anything. */
export async function serveOtherOrigin(): Promise<{
  origin: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Other</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
