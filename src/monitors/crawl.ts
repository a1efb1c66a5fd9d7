/**
 * Crawl discovery: the pages of a site monitor, found in the browser. Given a browser context
 * (in Herald, one of the pool's, whose every request passes the network policy's filtering
 * proxy), a site URL and crawl settings, it reads robots.txt and the sitemaps, then walks
 * same-origin links breadth first and answers the pages a slot should test.
 *
 * What it never does, whatever the site links to or redirects to:
 * - request another origin (every cross-origin request of its page is aborted);
 * - request a path robots.txt disallows (checked before a navigation, and for redirects on
 *   the way), or one outside include / exclude.
 * The site URL itself is always a page (it is what the user named); every other page is one
 * that loaded as HTML with a status below 400. Sitemap entries count as linked from the site
 * URL (depth 1).
 */
import { XMLParser } from 'fast-xml-parser';
import type { BrowserContext, HTTPRequest, Page } from 'puppeteer-core';
import robotsParserModule from 'robots-parser';
import { normalisePage, scopeOf, type CrawlSettings } from '../domain/crawl.ts';

// robots-parser is CommonJS (module.exports is the function) while its types declare an ES
// default export, which NodeNext reads as `.default`: the value is the function itself.
const robotsParser = robotsParserModule as unknown as (typeof robotsParserModule)['default'];

/** The robots.txt group Herald reads (a site without one for it gets `*`'s rules). */
export const CRAWLER_AGENT = 'Herald';

export interface DiscoveredPage {
  url: string;
  depth: number;
  via: 'start' | 'link' | 'sitemap';
}

export interface Discovery {
  pages: DiscoveredPage[];
  /** Same-origin sitemaps read (from robots.txt `Sitemap:` lines, or /sitemap.xml). */
  sitemaps: string[];
  /** Links and entries left out, by reason (each distinct URL counted once). */
  skipped: { offsite: number; excluded: number; disallowed: number; failed: number };
}

export interface CrawlOptions {
  /** Per navigation; a page that takes longer is skipped as failed. Default 15 s. */
  navigationTimeoutMs?: number;
  /** Sitemap files read at most (an index and the sitemaps it names). Default 10. */
  maxSitemaps?: number;
}

const xml = new XMLParser({
  ignoreAttributes: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

/** `<loc>`s of a sitemap or sitemap index (https://www.sitemaps.org/protocol.html). */
function sitemapEntries(text: string): { pages: string[]; sitemaps: string[] } {
  let doc: Record<string, unknown>;
  try {
    doc = xml.parse(text) as Record<string, unknown>;
  } catch {
    return { pages: [], sitemaps: [] };
  }
  const locs = (list: unknown) =>
    (Array.isArray(list) ? list : [])
      .map((e) => String((e as { loc?: unknown }).loc ?? '').trim())
      .filter((l) => l !== '');
  const urlset = doc['urlset'] as { url?: unknown } | undefined;
  const index = doc['sitemapindex'] as { sitemap?: unknown } | undefined;
  return { pages: locs(urlset?.url), sitemaps: locs(index?.sitemap) };
}

export async function discoverPages(
  context: BrowserContext,
  siteUrl: string,
  crawl: CrawlSettings,
  opts: CrawlOptions = {},
): Promise<Discovery> {
  const start = normalisePage(siteUrl);
  if (!start) throw new Error(`not an http(s) URL: ${siteUrl}`);
  const origin = new URL(start).origin;
  const timeout = opts.navigationTimeoutMs ?? 15_000;
  const skipped = { offsite: 0, excluded: 0, disallowed: 0, failed: 0 };
  let allowed: (url: string) => boolean = () => true;

  const page = await context.newPage();
  try {
    await guard(page, origin, (url) => url === start || allowed(url));
    const fetchText = async (url: string): Promise<string | null> => {
      const res = await page.goto(url, { timeout, waitUntil: 'domcontentloaded' }).catch(() => null);
      return res && res.ok() ? res.text().catch(() => null) : null;
    };

    // robots.txt first: nothing else is requested before its rules are known.
    const robotsUrl = `${origin}/robots.txt`;
    const robots = robotsParser(robotsUrl, (await fetchText(robotsUrl)) ?? '');
    allowed = (url) => robots.isAllowed(url, CRAWLER_AGENT) !== false;

    const sitemaps = await readSitemaps(
      robots.getSitemaps(),
      origin,
      allowed,
      fetchText,
      opts.maxSitemaps ?? 10,
    );

    const seen = new Set<string>([start]);
    const pages: DiscoveredPage[] = [];
    const listed = new Set<string>();
    const queue: DiscoveredPage[] = [{ url: start, depth: 0, via: 'start' }];
    /** Whether a link or entry is queued; counts why not, once per URL. */
    const admit = (raw: string, base: string | undefined, depth: number, via: DiscoveredPage['via']) => {
      const url = normalisePage(raw, base);
      if (!url || seen.has(url)) return;
      seen.add(url);
      const scope = scopeOf(url, origin, crawl);
      if (scope !== 'in') return void skipped[scope]++;
      if (!allowed(url)) return void skipped.disallowed++;
      queue.push({ url, depth, via });
    };

    const maxVisits = crawl.maxPages * 2 + 10;
    let visits = 0;
    while (queue.length > 0 && pages.length < crawl.maxPages && visits < maxVisits) {
      const next = queue.shift()!;
      visits++;
      const found = await visit(page, next, timeout, origin, crawl);
      if (found === null) {
        skipped.failed++;
        continue;
      }
      if (listed.has(found.landed)) continue; // a redirect to a page already listed
      listed.add(found.landed);
      pages.push({ ...next, url: found.landed });
      for (const link of found.links) admit(link, found.landed, next.depth + 1, 'link');
      if (next.via === 'start' && crawl.maxDepth > 0)
        for (const entry of sitemaps.pages) admit(entry, undefined, 1, 'sitemap');
    }
    return { pages, sitemaps: sitemaps.read, skipped };
  } finally {
    await page.close().catch(() => undefined);
  }
}

/**
 * Aborts every request of the page to another origin, and every navigation of its main frame
 * (redirects included) that `mayNavigate` refuses. Subresources of the site's own origin load.
 */
async function guard(page: Page, origin: string, mayNavigate: (url: string) => boolean): Promise<void> {
  await page.setRequestInterception(true);
  page.on('request', (req: HTTPRequest) => {
    if (req.isInterceptResolutionHandled()) return;
    const url = URL.parse(req.url());
    const local = url !== null && (url.protocol === 'data:' || url.protocol === 'blob:');
    const sameOrigin = url !== null && url.origin === origin;
    const isMainNavigation = req.isNavigationRequest() && req.frame() === page.mainFrame();
    const ok =
      local || (sameOrigin && (!isMainNavigation || mayNavigate(normalisePage(req.url()) ?? req.url())));
    void (ok ? req.continue() : req.abort('blockedbyclient')).catch(() => undefined);
  });
}

/**
 * Loads one page: where it landed (after redirects) and its links (none at maxDepth) when it
 * loaded as HTML below 400 within scope, else null.
 */
async function visit(
  page: Page,
  next: DiscoveredPage,
  timeout: number,
  origin: string,
  crawl: CrawlSettings,
): Promise<{ landed: string; links: string[] } | null> {
  const res = await page.goto(next.url, { timeout, waitUntil: 'load' }).catch(() => null);
  // The response's own URL (after redirects): page.url() can lag behind an aborted navigation.
  const landed = res === null ? null : normalisePage(res.url());
  const loaded =
    res !== null &&
    res.status() < 400 &&
    /html/i.test(res.headers()['content-type'] ?? '') &&
    landed !== null &&
    (next.via === 'start' || scopeOf(landed, origin, crawl) === 'in');
  // The site URL is a page whatever it answers (its test run will say what is wrong with it).
  if (!loaded) return next.via === 'start' ? { landed: next.url, links: [] } : null;
  return { landed, links: next.depth < crawl.maxDepth ? await links(page) : [] };
}

const links = (page: Page): Promise<string[]> =>
  page
    .$$eval('a[href], area[href]', (els) => els.map((e) => (e as unknown as { href: string }).href))
    .catch(() => []);

async function readSitemaps(
  fromRobots: readonly string[],
  origin: string,
  allowed: (url: string) => boolean,
  fetchText: (url: string) => Promise<string | null>,
  maxFiles: number,
): Promise<{ pages: string[]; read: string[] }> {
  const sameOrigin = (u: string) => URL.parse(u)?.origin === origin;
  const todo = fromRobots.filter(sameOrigin);
  if (todo.length === 0) todo.push(`${origin}/sitemap.xml`);
  const read: string[] = [];
  const pages: string[] = [];
  while (todo.length > 0 && read.length < maxFiles) {
    const url = todo.shift()!;
    if (read.includes(url) || !allowed(url)) continue;
    read.push(url);
    const text = await fetchText(url);
    if (text === null) continue;
    const entries = sitemapEntries(text);
    pages.push(...entries.pages);
    todo.push(...entries.sitemaps.filter(sameOrigin));
  }
  return { pages, read };
}
