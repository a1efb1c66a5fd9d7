/**
 * Crawl discovery in the pool's Chromium, behind Herald's filtering proxy, on a loopback site of
 * 60 pages on three levels that records every request: it finds exactly the in-scope pages,
 * honours maxPages, maxDepth, include and exclude, reads sitemap.xml, and never requests
 * another origin or a path robots.txt disallows.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, BrowserContext } from 'puppeteer-core';
import { BrowserPool } from '../../src/browsers/pool.ts';
import { DEFAULT_CRAWL, type CrawlSettings } from '../../src/domain/crawl.ts';
import { discoverPages } from '../../src/monitors/crawl.ts';
import { parseAllowlist } from '../../src/network/policy.ts';
import {
  PER_SECTION,
  SECTIONS,
  serveCrawlSite,
  serveOtherOrigin,
  type CrawlSite,
} from '../../bench/monitors/crawl-site.ts';

const pool = new BrowserPool({
  paths: { chrome: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' },
  launchTimeoutMs: 30_000,
  allowlist: parseAllowlist('127.0.0.0/8'),
});

const sections = Array.from({ length: SECTIONS }, (_, i) => `/s${i + 1}/`);
const leaves = sections.flatMap((s) => Array.from({ length: PER_SECTION }, (_, j) => `${s}p${j + 1}`));
const IN_SCOPE = ['/', ...sections, '/only-in-sitemap', ...leaves];

describe('crawl discovery', () => {
  let browser: Browser;
  let context: BrowserContext;
  let site: CrawlSite;
  let other: Awaited<ReturnType<typeof serveOtherOrigin>>;

  before(async () => {
    browser = await pool.acquire('chrome');
    other = await serveOtherOrigin();
    site = await serveCrawlSite(other.origin);
  });
  beforeEach(async () => {
    await context?.close();
    context = await browser.createBrowserContext();
    site.requests.length = 0;
  });
  after(async () => {
    await context?.close();
    pool.release('chrome');
    await pool.close();
    await site?.close();
    await other?.close();
  });

  const crawl = async (settings: Partial<CrawlSettings>) => {
    const found = await discoverPages(context, `${site.base}/`, { ...DEFAULT_CRAWL, ...settings });
    return { ...found, paths: found.pages.map((p) => new URL(p.url).pathname) };
  };
  /** What the site saw, robots.txt and the sitemap aside; and that nothing forbidden was asked. */
  const pageRequests = () => {
    const forbidden = site.requests.filter((p) => p.startsWith('/private/') || p.startsWith('/archive/'));
    assert.deepEqual(forbidden, [], 'a disallowed or excluded path was requested');
    assert.deepEqual(other.requests, [], 'another origin was requested');
    return site.requests.filter((p) => !['/robots.txt', '/sitemap.xml', '/favicon.ico'].includes(p));
  };

  test('finds exactly the in-scope pages, sitemap-only included, and nothing else', async () => {
    const found = await crawl({ maxPages: 500, exclude: ['/archive/'] });
    assert.deepEqual([...found.paths].sort(), [...IN_SCOPE].sort());
    assert.equal(found.pages.find((p) => p.url.endsWith('/only-in-sitemap'))?.via, 'sitemap');
    assert.deepEqual(found.sitemaps, [`${site.base}/sitemap.xml`]);
    assert.deepEqual(found.skipped, { offsite: 2, excluded: 1, disallowed: 2, failed: 3 });
    assert.ok(site.requests.indexOf('/robots.txt') === 0, 'robots.txt is read before anything else');
    assert.deepEqual(
      [...new Set(pageRequests())].sort(),
      [...IN_SCOPE, '/data.json', '/go-away', '/sneaky'].sort(),
    );
  });

  test('honours maxPages: breadth first, and stops asking once it has them', async () => {
    const found = await crawl({ maxPages: 10, exclude: ['/archive/'] });
    assert.deepEqual(found.paths, ['/', ...sections, '/only-in-sitemap', '/s1/p1', '/s1/p2', '/s1/p3']);
    assert.deepEqual(pageRequests(), [
      '/',
      ...sections,
      '/data.json',
      '/go-away',
      '/sneaky',
      '/only-in-sitemap',
      '/s1/p1',
      '/s1/p2',
      '/s1/p3',
    ]);
  });

  test('honours maxDepth: at 1 no second-level page is requested; at 0 only the site URL', async () => {
    const one = await crawl({ maxDepth: 1, exclude: ['/archive/'] });
    assert.deepEqual(one.paths, ['/', ...sections, '/only-in-sitemap']);
    assert.ok(!pageRequests().some((p) => /^\/s\d\/p/.test(p)));
    site.requests.length = 0;
    const zero = await crawl({ maxDepth: 0, exclude: ['/archive/'] });
    assert.deepEqual(zero.paths, ['/']);
    assert.deepEqual(pageRequests(), ['/']);
  });

  test('include keeps the crawl to its prefixes (the site URL is always a page)', async () => {
    const found = await crawl({ include: ['/s2/'], exclude: ['/archive/'] });
    assert.deepEqual(found.paths, ['/', '/s2/', ...leaves.filter((l) => l.startsWith('/s2/'))]);
    assert.ok(pageRequests().every((p) => p === '/' || p.startsWith('/s2/')));
  });
});
