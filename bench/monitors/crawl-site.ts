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
  close(): Promise<void>;
}

export const SECTIONS = 5;
export const PER_SECTION = 10;

const page = (title: string, links: string[], extra = '') =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${extra}<ul>${links
    .map((l) => `<li><a href="${l}">${l}</a></li>`)
    .join('')}</ul></main></body></html>`;

export async function serveCrawlSite(otherOrigin: string): Promise<CrawlSite> {
  const requests: string[] = [];
  let base = '';
  const routes = new Map<string, [type: string, body: string]>();
  const html = (path: string, links: string[], extra = '') =>
    routes.set(path, ['text/html; charset=utf-8', page(path, links, extra)]);
  const sections = Array.from({ length: SECTIONS }, (_, i) => `/s${i + 1}/`);
  html('/', [
    ...sections,
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

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
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
    res.writeHead(200, { 'content-type': route[0] }).end(route[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    requests,
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
