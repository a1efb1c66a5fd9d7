/**
 * A 60-page monitor slot with a warm browser: crawl discovery of the loopback site of
 * bench/monitors/crawl-site.ts (57 in-scope pages), then one slot testing its 60 HTML pages
 * through the real Tenon run queue (HERALD_TENON_CONCURRENCY, default 2), then the slot applied
 * to the tracked issues. Rounds alternate nothing: each round does all three, and the medians
 * are printed with the discovery / slot ratio.
 *
 *   node bench/monitors/slot.ts [--rounds 3] [--concurrency 2]
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startApp } from '../../src/app.ts';
import { BrowserPool } from '../../src/browsers/pool.ts';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_CRAWL } from '../../src/domain/crawl.ts';
import { createLogger } from '../../src/log.ts';
import { discoverPages } from '../../src/monitors/crawl.ts';
import { parseAllowlist } from '../../src/network/policy.ts';
import { PER_SECTION, SECTIONS, serveCrawlSite, serveOtherOrigin } from './crawl-site.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, concurrency: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 3);
const CONCURRENCY = values.concurrency ?? '2';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'herald-bench-slot-'));
const adminKey = `hk_bench_${randomBytes(16).toString('hex')}`;
const config = loadConfig(
  {},
  {
    PORT: '0',
    HOST: '127.0.0.1',
    HERALD_DATA_DIR: dir,
    HERALD_ADMIN_KEY: adminKey,
    HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
    HERALD_LOG_LEVEL: 'silent',
    HERALD_TENON_CONCURRENCY: CONCURRENCY,
  },
);
const app = await startApp(config, createLogger('silent'));
const other = await serveOtherOrigin();
const site = await serveCrawlSite(other.origin);
const pool = new BrowserPool({
  paths: { chrome: config.chromiumPath, firefox: config.firefoxPath },
  launchTimeoutMs: 30_000,
  allowlist: parseAllowlist('127.0.0.0/8'),
});

const sections = Array.from({ length: SECTIONS }, (_, i) => `/s${i + 1}/`);
const PAGES = [
  '/',
  ...sections,
  ...sections.flatMap((s) => Array.from({ length: PER_SECTION }, (_, j) => `${s}p${j + 1}`)),
  '/only-in-sitemap',
  '/archive/',
  '/archive/old',
  '/private/secret',
].map((p) => `${site.base}${p}`);

try {
  const api = (method: string, path: string, body: unknown) =>
    fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<Record<string, string>>);
  const projectID = (await api('POST', '/api/projects', { name: 'Bench' }))['projectID']!;
  const siteKey = (await api('POST', '/api/sites', { name: 'Bench', projectID, siteUrl: `${site.base}/` }))[
    'siteKey'
  ]!;
  const tenantId = (await app.store.listTenants())[0]!.id;
  const browser = await pool.acquire('chrome');
  // Warm: one discovery and one test run, not counted.
  await discoverPages(await browser.createBrowserContext(), `${site.base}/`, {
    ...DEFAULT_CRAWL,
    maxPages: 5,
  });
  await app.services.testRuns.wait(
    tenantId,
    (
      await app.services.testRuns.enqueue({
        tenantId,
        fields: { url: PAGES[0]!, projectID },
        source: { kind: 'api' },
      })
    ).responseID,
    60_000,
  );

  const rounds: Array<{ discoveryMs: number; pages: number; slotMs: number; applyMs: number }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const context = await browser.createBrowserContext();
    let t = performance.now();
    const found = await discoverPages(context, `${site.base}/`, {
      maxPages: 500,
      maxDepth: 3,
      exclude: ['/archive/'],
    });
    const discoveryMs = performance.now() - t;
    await context.close();

    const slot = 1000 + r;
    t = performance.now();
    const ids: string[] = [];
    for (const url of PAGES) {
      const { responseID } = await app.services.testRuns.enqueue({
        tenantId,
        fields: { url, projectID },
        source: { kind: 'monitor', siteKey, slot },
      });
      ids.push(responseID);
    }
    for (const id of ids) await app.services.testRuns.wait(tenantId, id, 600_000);
    const slotMs = performance.now() - t;
    t = performance.now();
    const applied = await app.services.issues.applySlot(tenantId, siteKey, slot);
    const applyMs = performance.now() - t;
    if (!applied.applied) throw new Error(`slot ${slot} not applied: ${applied.reason}`);
    rounds.push({ discoveryMs, pages: found.pages.length, slotMs, applyMs });
    console.error(JSON.stringify({ round: r + 1, ...rounds.at(-1) }));
  }
  const d = median(rounds.map((x) => x.discoveryMs));
  const s = median(rounds.map((x) => x.slotMs));
  const a = median(rounds.map((x) => x.applyMs));
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      concurrency: Number(CONCURRENCY),
      discoveredPages: rounds[0]!.pages,
      discoveryMs: Math.round(d),
      discoveryPagesPerMinute: Math.round((rounds[0]!.pages / d) * 60_000),
      slotPages: PAGES.length,
      slotMs: Math.round(s),
      slotPagesPerMinute: Math.round((PAGES.length / s) * 60_000),
      applySlotMs: Math.round(a),
      discoveryToSlot: Number((d / s).toFixed(3)),
    }),
  );
} finally {
  pool.release('chrome');
  await pool.close();
  await app.stop();
  await site.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
}
