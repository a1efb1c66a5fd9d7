/**
 * Issue 18's must-show, end to end on a real Herald (SQLite, the scheduler, the run engine's slot
 * and Tenon kinds with a warm Chromium behind the network policy, the delivery worker) against a
 * loopback site of 60 pages on three levels (bench/monitors/crawl-site.ts): a link to another
 * origin (another loopback port, which must never be asked for anything), an excluded prefix
 * (/archive/), a robots.txt Disallow (/private/), a page linked only from sitemap.xml, and a
 * signed-in area (/account/…).
 *
 * - Crawl: a signed-in slot tests exactly the 60 in-scope pages; maxPages and maxDepth hold.
 * - Sign-in: the account pages are tested as alice (the site sees her session on every one of
 *   their requests, and their own issue is found; the session and the password are not in the
 *   database's bytes); a wrong password fails the slot with its
 *   reason, in the API and as site.updated.
 * - Changes: one page changed between slots announces issue.deleted and issue.created once
 *   each; after a baseline, ?status=open lists only what is new.
 * - Reports: SARIF validates against the SARIF 2.1.0 schema, JUnit parses, the CSVs have the
 *   tenon-reporters columns.
 * - Faults: a Herald process SIGKILLed while crawling, then again while a page is being tested,
 *   still tests every page of the slot once, through the run engine.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import {
  ACCOUNT,
  ACCOUNT_PAGES,
  PER_SECTION,
  SECTIONS,
  serveCrawlSite,
  serveOtherOrigin,
  type CrawlSite,
} from '../../bench/monitors/crawl-site.ts';
import { apiOf, until, type Api } from '../faults/runs-helpers.ts';
import {
  killHard,
  processSetup,
  spawnHerald,
  stopProcess,
  type HeraldProcess,
} from '../helpers/herald-process.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { sarifValidator } from '../helpers/sarif.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';

const WEEK = 604_800;
const SECTION_PATHS = Array.from({ length: SECTIONS }, (_, i) => `/s${i + 1}/`);
const LEAVES = SECTION_PATHS.flatMap((s) => Array.from({ length: PER_SECTION }, (_, j) => `${s}p${j + 1}`));
/** What a signed-in crawl of the whole site must test: 60 pages. */
const IN_SCOPE = ['/', ...SECTION_PATHS, '/only-in-sitemap', ...LEAVES, ...ACCOUNT_PAGES];
const EXCLUDE = ['/archive/'];
const SIGN_IN = [
  { action: 'open', url: '/login' },
  { action: 'type', selector: '#user', text: '${username}' },
  { action: 'type', selector: '#password', text: '${password}' },
  { action: 'click', selector: '#submit' },
];

type Run = { responseID: string; url: string; slot: number; status: string; attempts?: number };
type Issue = { issueID: string; url: string; errorTitle: string; status: string };
type Hooked = { event: string; eventID: string; data: Record<string, unknown> };

/** The site's monitor: its runs, and its slot once done and applied to the issues. */
async function settledSlot(api: Api, siteKey: string, slot: number | null, ms = 180_000) {
  return until(
    async () => {
      const site = await api.call('GET', `/api/sites/${siteKey}`);
      const last = site.body.lastSlot as {
        slot: number;
        status: string;
        issuesAppliedAt: number | null;
      } | null;
      if (!last || last.status === 'queued' || last.status === 'running') return null;
      if (slot !== null && last.slot !== slot) return null;
      const runs = (await api.call('GET', `/api/test-runs?siteKey=${siteKey}&limit=100`)).body.data as Run[];
      const mine = runs.filter((r) => r.slot === last.slot);
      if (mine.some((r) => r.status !== 'done' && r.status !== 'failed')) return null;
      // A done slot is settled once the sweep applied it to the tracked issues.
      if (last.status === 'done' && last.issuesAppliedAt === null) return null;
      return { last, runs: mine };
    },
    `site ${siteKey}'s slot to be done`,
    ms,
  );
}

const pathsOf = (runs: Run[], base: string) => runs.map((r) => r.url.slice(base.length)).sort();

describe('site monitors that crawl, sign in and say what changed', () => {
  let h: TestHerald;
  let api: Api;
  let rx: Receiver;
  let site: CrawlSite;
  let other: Awaited<ReturnType<typeof serveOtherOrigin>>;
  let projectID: string;
  let traceId: string;
  const keys: Record<string, string> = {};

  const createSite = async (name: string, fields: Record<string, unknown>) => {
    const res = await api.call('POST', '/api/sites', {
      name,
      projectID,
      siteUrl: `${site.base}/`,
      intervalSec: WEEK,
      ...fields,
    });
    assert.equal(res.status, 201, res.text);
    return (keys[name] = res.body.siteKey as string);
  };
  /** Every issue of the status, page after page. */
  const issues = async (siteKey: string, status = 'open'): Promise<Issue[]> => {
    const all: Issue[] = [];
    for (let cursor = ''; ;) {
      const res = await api.call(
        'GET',
        `/api/sites/${siteKey}/issues?status=${status}&limit=100${cursor && `&cursor=${cursor}`}`,
      );
      assert.equal(res.status, 200, res.text);
      all.push(...(res.body.data as Issue[]));
      if (res.body.nextCursor === null) return all;
      cursor = res.body.nextCursor as string;
    }
  };
  /**
   * The other origin is never asked for a page: not the link, the sitemap entry or the
   * redirect's target. (An image of it that /s3/p3 shows is loaded when that page is tested,
   * as any browser would: the page is tested as its users see it.)
   */
  const otherOriginPages = () => other.requests.filter((p) => p !== '/pixel.png');
  const hooked = (path: string, siteKey: string): Hooked[] =>
    rx.requests
      .filter((r) => r.path === path)
      .map((r) => JSON.parse(r.body) as Hooked)
      .filter((e) => e.data['siteKey'] === siteKey);
  /** Claims the site's next slot as the scheduler does; the slot engine does the rest. */
  const nextSlot = async (siteKey: string, slot: number) => {
    const tenantId = (await h.app.store.listTenants())[0]!.id;
    const s = (await h.app.store.builds.getSite(tenantId, siteKey))!;
    const claimed = await h.app.store.monitors.claimSlot({
      siteId: s.id,
      slot,
      intervalSec: WEEK,
      owner: 'test',
      now: Date.now(),
    });
    assert.ok(claimed, `slot ${slot} claimed`);
    return settledSlot(api, siteKey, slot);
  };

  before(async () => {
    other = await serveOtherOrigin();
    site = await serveCrawlSite(other.origin, { signIn: true });
    // /s1/ starts with an image without a text alternative (fixed between slots below).
    site.extra.set('/s1/', '<img src="/pixel.png">');
    rx = await Receiver.start();
    h = await startHerald('sqlite', { HERALD_MONITOR_TICK_MS: '100' });
    api = apiOf(h.url, { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/json' });
    for (const [name, objects, path] of [
      ['issues', ['issue'], '/issues'],
      ['sites', ['site'], '/sites'],
    ] as const) {
      const hook = await api.call('POST', '/api/hooks', { name, url: `${rx.url}${path}`, objects });
      assert.equal(hook.status, 201, hook.text);
    }
    const project = await api.call('POST', '/api/projects', { name: 'Crawled', baseUrl: `${site.base}/` });
    assert.equal(project.status, 201, project.text);
    projectID = project.body.projectID as string;
    const trace = await api.call('POST', `/api/projects/${projectID}/traces`, {
      name: 'Sign in',
      steps: SIGN_IN,
    });
    assert.equal(trace.status, 201, trace.text);
    traceId = trace.body.id as string;
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await site?.close();
    await other?.close();
  });

  test(
    'a signed-in crawl tests exactly the 60 in-scope pages, the account pages as alice',
    // 60 pages through the engine: about a minute on a loaded 2-core machine.
    { timeout: 240_000 },
    async () => {
      const siteKey = await createSite('full', {
        crawl: { maxPages: 500, maxDepth: 3, exclude: EXCLUDE },
        loginTraceId: traceId,
        loginParameters: { username: ACCOUNT.user, password: ACCOUNT.password },
      });
      const { last, runs } = await settledSlot(api, siteKey, null);
      assert.equal(last.status, 'done', JSON.stringify(last));
      assert.deepEqual(pathsOf(runs, site.base), [...IN_SCOPE].sort());
      assert.equal(runs.length, 60);
      assert.ok(runs.every((r) => r.status === 'done'));
      // Signed in: every request of the account pages (crawl and test) carried alice's session.
      assert.ok(
        site.accountRequests.length >= 2 * ACCOUNT_PAGES.length,
        JSON.stringify(site.accountRequests),
      );
      assert.deepEqual(
        site.accountRequests.filter((r) => !r.signedIn),
        [],
        'an account page was requested without the session',
      );
      // Their own content was tested: the orders page's own issue, not the sign-in form's.
      const found = await issues(siteKey);
      assert.ok(
        found.some((i) => i.url === `${site.base}/account/orders` && /alt/i.test(i.errorTitle)),
        JSON.stringify(found.filter((i) => i.url.includes('/account/'))),
      );
      // Never another origin's page, a disallowed path or an excluded one.
      assert.deepEqual(otherOriginPages(), []);
      assert.deepEqual(
        site.requests.filter((p) => p.startsWith('/private/') || p.startsWith('/archive/')),
        [],
      );
      // The session the runs carried and the password are sealed at rest: not in the database's bytes.
      const dir = h.app.config.dataDir;
      const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
      // (The same bytes do hold what is stored in plain: the runs' URLs.)
      assert.ok(files.some((b) => b.includes('/account/orders')));
      for (const plain of ['alice-token', ACCOUNT.password])
        assert.ok(!files.some((b) => b.includes(plain)), `${plain} is in the database in plain text`);
      // The password is never shown again.
      const read = await api.call('GET', `/api/sites/${siteKey}`);
      assert.deepEqual(read.body.loginParameterNames, ['username', 'password']);
      assert.ok(!read.text.includes(ACCOUNT.password));
    },
  );

  test('maxPages and maxDepth bound the crawl: breadth first, no deeper than asked', async () => {
    const few = await createSite('few', { crawl: { maxPages: 4, exclude: EXCLUDE } });
    const shallow = await createSite('shallow', { crawl: { maxDepth: 1, exclude: EXCLUDE } });
    const a = await settledSlot(api, few, null);
    assert.deepEqual(pathsOf(a.runs, site.base), ['/', '/s1/', '/s2/', '/s3/']);
    const b = await settledSlot(api, shallow, null);
    // Not signed in, /account/ lands on the sign-in form; no leaf is two links away.
    assert.deepEqual(
      pathsOf(b.runs, site.base),
      ['/', ...SECTION_PATHS, '/login', '/only-in-sitemap'].sort(),
    );
    assert.deepEqual(otherOriginPages(), []);
  });

  test('a wrong password fails the slot with its reason: in the API and as site.updated', async () => {
    const siteKey = await createSite('wrong', {
      crawl: { maxPages: 5, exclude: EXCLUDE },
      loginTraceId: traceId,
      loginParameters: { username: ACCOUNT.user, password: 'not-the-password' },
    });
    const { last, runs } = await settledSlot(api, siteKey, null);
    assert.equal(last.status, 'failed');
    const read = await api.call('GET', `/api/sites/${siteKey}`);
    assert.match(read.body.lastSlot.error, /^sign-in failed: the sign-in form is still shown on .*\/login/);
    assert.ok(!read.text.includes('not-the-password'));
    assert.deepEqual(runs, [], 'no page is tested signed out');
    const [event] = await rx.waitFor(
      1,
      (r) =>
        r.path === '/sites' &&
        (JSON.parse(r.body) as Hooked).data['siteKey'] === siteKey &&
        r.body.includes('lastSlot'),
      30_000,
    );
    assertValidWebhook(event!.body);
    const body = JSON.parse(event!.body) as Hooked;
    assert.equal(body.event, 'site.updated');
    assert.deepEqual(body.data['lastSlot'], {
      slot: last.slot,
      status: 'failed',
      error: read.body.lastSlot.error,
      finishedAt: read.body.lastSlot.finishedAt,
    });
    assert.ok(!event!.body.includes('not-the-password'));
    // Stored once (its eventID is fixed per slot, however often it is announced).
    const stored = await api.call('GET', '/api/events?event=site.updated&limit=100');
    const failures = (stored.body.data as Array<{ payload: Hooked }>).filter(
      (e) => e.payload.data['siteKey'] === siteKey && e.payload.data['lastSlot'] !== undefined,
    );
    assert.equal(failures.length, 1);
  });

  test('one page changed between slots: issue.deleted and issue.created, once each', async () => {
    const siteKey = keys['few']!;
    const first = (await settledSlot(api, siteKey, null)).last.slot;
    const before = await issues(siteKey);
    const onS1 = before.filter((i) => i.url === `${site.base}/s1/`);
    assert.ok(onS1.length > 0, 'the image on /s1/ is an issue');
    site.extra.delete('/s1/');
    site.extra.set('/s2/', '<button></button>');
    await nextSlot(siteKey, first + 1);
    const fixed = await issues(siteKey, 'fixed');
    assert.ok(fixed.length > 0, 'the image on /s1/ is fixed');
    assert.ok(
      fixed.every((i) => i.url === `${site.base}/s1/` && onS1.some((b) => b.issueID === i.issueID)),
      JSON.stringify(fixed),
    );
    await until(
      async () =>
        hooked('/issues', siteKey).filter((e) => e.event === 'issue.deleted').length >= fixed.length,
      'issue.deleted to be delivered',
      30_000,
    );
    const events = hooked('/issues', siteKey);
    const deleted = events.filter((e) => e.event === 'issue.deleted');
    assert.deepEqual(deleted.map((e) => e.data['issueID']).sort(), fixed.map((i) => i.issueID).sort());
    const created = events.filter((e) => e.event === 'issue.created');
    const fresh = created.filter((e) => !before.some((b) => b.issueID === e.data['issueID']));
    assert.ok(
      fresh.length > 0 && fresh.every((e) => e.data['url'] === `${site.base}/s2/`),
      JSON.stringify(fresh),
    );
    // Each announced exactly once: one delivery per event, one event per issue.
    const ids = events.map((e) => e.eventID);
    assert.equal(new Set(ids).size, ids.length, 'an event was delivered twice');
    const createdIssues = created.map((e) => e.data['issueID']);
    assert.equal(new Set(createdIssues).size, createdIssues.length, 'an issue was created twice');
    for (const e of events) assertValidWebhook(JSON.stringify(e));
  });

  test('after a baseline, ?status=open lists only what is new', async () => {
    const siteKey = keys['few']!;
    const open = await issues(siteKey);
    const res = await api.call('POST', `/api/sites/${siteKey}/baseline`, {});
    assert.deepEqual([res.status, res.body], [200, { accepted: open.length }]);
    assert.deepEqual(await issues(siteKey), []);
    site.extra.set('/s3/', '<input type="text">');
    const last = (await settledSlot(api, siteKey, null)).last.slot;
    await nextSlot(siteKey, last + 1);
    const now = await issues(siteKey);
    assert.ok(now.length > 0, 'the new input is an issue');
    assert.ok(
      now.every((i) => i.url === `${site.base}/s3/` && !open.some((o) => o.issueID === i.issueID)),
      JSON.stringify(now),
    );
  });

  test('reports: SARIF 2.1.0 validates, JUnit parses, the CSVs have the tenon-reporters columns', async () => {
    const siteKey = keys['full']!;
    const get = (path: string) =>
      fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${h.adminKey}` } });
    const validate = sarifValidator();
    const log = (await (await get(`/api/sites/${siteKey}/report.sarif`)).json()) as {
      runs: Array<{ artifacts: unknown[] }>;
    };
    assert.equal(validate(log), true, JSON.stringify(validate.errors));
    assert.equal(log.runs[0]!.artifacts.length, 60, 'every page of the slot');
    assert.equal(XMLValidator.validate(await (await get(`/api/sites/${siteKey}/report.junit`)).text()), true);
    const columns = JSON.parse(
      readFileSync(new URL('../fixtures/tenon-reporters/csv-columns.json', import.meta.url), 'utf8'),
    ) as string[];
    const header = async (path: string) => (await (await get(path)).text()).split('\r\n')[0]!.split(',');
    assert.deepEqual(await header(`/api/sites/${siteKey}/report.csv`), columns);
    const [run] = (await api.call('GET', `/api/test-runs?siteKey=${siteKey}&limit=1`)).body.data as Run[];
    assert.deepEqual(await header(`/api/test-runs/${run!.responseID}/report.csv`), columns);
  });
});

describe('a site monitor slot survives SIGKILL', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test(
    'killed while crawling, then while a page is tested: every page is tested once',
    { timeout: 120_000 },
    async (t) => {
      const other = await serveOtherOrigin();
      cleanups.push(() => other.close());
      const site = await serveCrawlSite(other.origin);
      cleanups.push(() => site.close());
      site.extra.set('/s1/', '<img src="/pixel.png">');
      const { env, base, headers } = await processSetup('sqlite', cleanups, {
        HERALD_MONITOR_TICK_MS: '100',
      });
      const start = async (): Promise<HeraldProcess> => {
        const p = spawnHerald(env);
        cleanups.push(() => stopProcess(p.child, 'SIGKILL'));
        await p.ready;
        return p;
      };
      const api = apiOf(base, headers);
      let herald = await start();
      const project = await api.call('POST', '/api/projects', { name: 'Killed' });
      assert.equal(project.status, 201, project.text);

      // 1. Killed while the slot crawls: the crawl's request of /s3/ is held.
      const crawling = site.hold('/s3/', 1);
      const created = await api.call('POST', '/api/sites', {
        name: 'Killed',
        projectID: project.body.projectID,
        siteUrl: `${site.base}/`,
        intervalSec: WEEK,
        crawl: { maxDepth: 1, exclude: EXCLUDE },
      });
      assert.equal(created.status, 201, created.text);
      const siteKey = created.body.siteKey as string;
      await crawling.held;
      await killHard(herald);
      crawling.release();

      // 2. Restarted, it drives the slot again; killed while /s3/ is being tested (the crawl's
      // request of it is the first from now on, the test's the second).
      const testing = site.hold('/s3/', 2);
      herald = await start();
      await testing.held;
      await killHard(herald);
      testing.release();
      herald = await start();
      const restartedAt = Date.now();

      const { last, runs } = await settledSlot(api, siteKey, null, 60_000);
      t.diagnostic(`slot settled ${Date.now() - restartedAt} ms after the last restart`);
      assert.equal(last.status, 'done');
      const expected = ['/', ...SECTION_PATHS, '/only-in-sitemap'].sort();
      assert.deepEqual(pathsOf(runs, site.base), expected, 'each page has one run');
      assert.ok(
        runs.every((r) => r.status === 'done'),
        JSON.stringify(runs),
      );
      const held = runs.find((r) => r.url === `${site.base}/s3/`)!;
      const detail = await api.call('GET', `/api/test-runs/${held.responseID}`);
      assert.equal(detail.body.attempts, 2, 'the page killed mid-test was taken over by the run engine');
      const slots = await api.call('GET', `/api/sites/${siteKey}`);
      assert.equal(slots.body.lastSlot.pages, expected.length);
      // The slot was applied to its issues after the kills, once.
      const open = await api.call('GET', `/api/sites/${siteKey}/issues`);
      assert.ok((open.body.data as Issue[]).some((i) => i.url === `${site.base}/s1/`));
      const events = await api.call('GET', '/api/events?event=issue.created&limit=100');
      const ids = (events.body.data as Array<{ payload: { data: Issue } }>).map(
        (e) => e.payload.data.issueID,
      );
      assert.equal(new Set(ids).size, ids.length, 'an issue was announced twice');
      assert.deepEqual(other.requests, []);
      await stopProcess(herald.child, 'SIGTERM');
    },
  );
});
