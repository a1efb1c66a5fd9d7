/**
 * A 60-page monitor slot through the run engine, with a warm browser, against a baseline measured
 * in the same run: the same 60 pages as direct Tenon test runs.
 *
 * An in-process Herald on SQLite (the scheduler, the slot and Tenon kinds of the run engine, the
 * pool's Chromium behind the filtering proxy) and the loopback site of crawl-site.ts with its
 * signed-in area. The site monitor signs in (a login trace), crawls (maxPages 500, maxDepth 3,
 * /archive/ excluded: 60 pages) and queues one Tenon run per page, carrying the session; the
 * slot's time runs from its claim until the slot engine's sweep has applied it to the tracked
 * issues. The baseline queues the 60 URLs the slot tested as async Tenon runs (source `api`, no
 * sign-in, no crawl) and waits for all of them. Rounds alternate slot and baseline (which goes
 * first alternates too); medians, their ratio, and the median of each round's own ratio.
 *
 *   node bench/monitors/slot.ts [--rounds 3] [--concurrency 2]
 */
import { parseArgs } from 'node:util';
import { median } from '../lib.ts';
import { startInProcess } from '../throughput.ts';
import { ACCOUNT, serveCrawlSite, serveOtherOrigin } from './crawl-site.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, concurrency: { type: 'string' } } });
const ROUNDS = Number(values.rounds ?? 3);
const CONCURRENCY = values.concurrency ?? '2';
const WEEK = 604_800;

const herald = await startInProcess('slot', {
  HERALD_MONITOR_TICK_MS: '100',
  HERALD_TENON_CONCURRENCY: CONCURRENCY,
});
const { app } = herald;
const other = await serveOtherOrigin();
const site = await serveCrawlSite(other.origin, { signIn: true });

async function api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: herald.headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const tenantId = (await app.store.listTenants())[0]!.id;
  const projectID = String((await api('POST', '/api/projects', { name: 'Bench' }))['projectID']);
  const trace = await api('POST', `/api/projects/${projectID}/traces`, {
    name: 'Sign in',
    steps: [
      { action: 'open', url: '/login' },
      { action: 'type', selector: '#user', text: '${username}' },
      { action: 'type', selector: '#password', text: '${password}' },
      { action: 'click', selector: '#submit' },
    ],
  });
  // Scheduled weekly: the scheduler claims the current slot at once (the warm-up, not counted);
  // the bench claims the later ones itself, as the scheduler does.
  const siteKey = String(
    (
      await api('POST', '/api/sites', {
        name: 'Bench',
        projectID,
        siteUrl: `${site.base}/`,
        intervalSec: WEEK,
        crawl: { maxPages: 500, maxDepth: 3, exclude: ['/archive/'] },
        loginTraceId: trace['id'],
        loginParameters: { username: ACCOUNT.user, password: ACCOUNT.password },
      })
    )['siteKey'],
  );
  const siteId = (await app.store.builds.getSite(tenantId, siteKey))!.id;

  /** Waits until the slot is applied to the issues; answers its pages. */
  async function applied(slot: number | null): Promise<{ slot: number; pages: number }> {
    for (;;) {
      const [last] = await app.store.monitors.listSlots(tenantId, siteId, 1);
      if (last && (slot === null || last.slot === slot)) {
        if (last.status === 'failed') throw new Error(`slot ${last.slot} failed: ${last.error}`);
        if (last.issuesAppliedAt !== null) return { slot: last.slot, pages: last.responseIDs.length };
      }
      await sleep(25);
    }
  }
  const warm = await applied(null);
  const runs = await app.services.testRuns.list(tenantId, { siteKey, limit: 100 });
  const urls = runs.filter((r) => r.slot === warm.slot).map((r) => r.url!);
  if (urls.length !== 60) throw new Error(`the warm-up slot tested ${urls.length} pages, not 60`);

  async function slotRound(slot: number): Promise<number> {
    const t = performance.now();
    const claimed = await app.store.monitors.claimSlot({
      siteId,
      slot,
      intervalSec: WEEK,
      owner: 'bench',
      now: Date.now(),
    });
    if (!claimed) throw new Error(`slot ${slot} not claimed`);
    const { pages } = await applied(slot);
    if (pages !== 60) throw new Error(`slot ${slot} tested ${pages} pages`);
    return performance.now() - t;
  }

  async function directRound(): Promise<number> {
    const t = performance.now();
    const ids: string[] = [];
    for (const url of urls) {
      const { responseID } = await app.services.testRuns.enqueue({
        tenantId,
        fields: { url, projectID, async: 1 },
        source: { kind: 'api' },
      });
      ids.push(responseID);
    }
    for (const id of ids) {
      const run = await app.services.testRuns.wait(tenantId, id, 600_000);
      if (run.status !== 'done') throw new Error(`direct run ${id} ${run.status}`);
    }
    return performance.now() - t;
  }

  const slotMs: number[] = [];
  const directMs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? (['slot', 'direct'] as const) : (['direct', 'slot'] as const);
    for (const which of order) {
      if (which === 'slot') slotMs.push(await slotRound(warm.slot + 1 + r));
      else directMs.push(await directRound());
    }
    console.error(
      JSON.stringify({
        round: r + 1,
        slotMs: Math.round(slotMs.at(-1)!),
        directMs: Math.round(directMs.at(-1)!),
      }),
    );
  }
  const s = median(slotMs);
  const d = median(directMs);
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      concurrency: Number(CONCURRENCY),
      pages: urls.length,
      slotMs: Math.round(s),
      slotPagesPerMinute: Math.round((urls.length / s) * 60_000),
      directMs: Math.round(d),
      directPagesPerMinute: Math.round((urls.length / d) * 60_000),
      slotToDirect: Number((s / d).toFixed(3)),
      // Each round's slot against its own baseline (same load), then the median of those.
      slotToDirectPerRound: Number(median(slotMs.map((x, i) => x / directMs[i]!)).toFixed(3)),
      otherOriginPageRequests: other.requests.filter((p) => p !== '/pixel.png').length,
    }),
  );
} finally {
  await herald.close();
  await site.close();
  await other.close();
}
