import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { startApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { MonitorRun } from '../../src/domain/monitors.ts';
import { createLogger } from '../../src/log.ts';
import type { StartTestRun } from '../../src/services/testruns.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { assertAccessible, follow, launchBrowser, textOf, type TestBrowser } from './helpers/browser.ts';
import { fillByLabel, focused, signIn, WEB_ENV } from './helpers/herald-web.ts';

/**
 * Stands in for the Tenon test runs (the other half of issue 10): records what the real
 * scheduler enqueues and reports each slot's runs as finished with known issues. The first
 * slot finds a and b, the second b and c (so a is fixed and c is new); later ones are still running.
 */
class FakeTestRuns {
  readonly runs: MonitorRun[] = [];
  readonly #slots: number[] = [];
  #waiters: Array<{ n: number; resolve: () => void }> = [];

  async enqueue(input: StartTestRun): Promise<{ responseID: string }> {
    if (input.source.kind !== 'monitor') throw new Error('only monitor runs here');
    const { slot } = input.source;
    if (!this.#slots.includes(slot)) this.#slots.push(slot);
    const ordinal = this.#slots.indexOf(slot);
    const signatures = ordinal === 0 ? ['sig-a', 'sig-b'] : ['sig-b', 'sig-c'];
    const responseID = randomBytes(16).toString('hex');
    this.runs.unshift({
      responseID,
      url: String(input.fields['url']),
      slot,
      startedAt: Date.now(),
      status: ordinal < 2 ? 'done' : 'running',
      errors: ordinal < 2 ? signatures.length : null,
      warnings: 0,
      issues: signatures.map((signature) => ({
        signature,
        errorTitle: `Problem ${signature}`,
        xpath: '/html/body/img',
      })),
    });
    this.#waiters = this.#waiters.filter((w) => (this.#slots.length >= w.n ? void w.resolve() : true));
    return { responseID };
  }

  /** Resolves once `n` slots have enqueued runs. */
  slots(n: number): Promise<void> {
    if (this.#slots.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  async recentRuns(): Promise<MonitorRun[]> {
    return this.runs;
  }
}

describe('site monitor pages in Chromium', () => {
  const tmp = createTempSqliteDir();
  const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
  const fake = new FakeTestRuns();
  let app: App;
  let base = '';
  let browser: TestBrowser;
  let page: Page;
  let projectID = '';
  let siteKey = '';

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    const config = loadConfig(
      {},
      {
        ...WEB_ENV,
        PORT: '0',
        HOST: '127.0.0.1',
        HERALD_DATA_DIR: tmp.dir,
        HERALD_ADMIN_KEY: adminKey,
        HERALD_LOG_LEVEL: 'silent',
        HERALD_SQLITE_SYNCHRONOUS: 'NORMAL',
        HERALD_MONITOR_MIN_INTERVAL_SEC: '1',
        HERALD_MONITOR_TICK_MS: '50',
      },
    );
    app = await startApp(config, createLogger('silent'), undefined, { testRuns: fake, siteRuns: fake });
    base = app.url!;
    projectID = String((await api('POST', '/api/projects', { name: 'Shop' })).body['projectID']);
    browser = await launchBrowser();
    page = (await browser.newPage()).page;
    await signIn(page, base);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    tmp.cleanup();
  });

  test('a monitor added with the form gets its schedule and pages; a bad path is refused at its field', async () => {
    await page.goto(`${base}/sites/new?project=${projectID}`);
    await assertAccessible(page, 'add a site monitor');
    await fillByLabel(page, 'Name', 'Shop front');
    await fillByLabel(page, 'Site URL', 'http://127.0.0.1:9/');
    await page.select('#site-schedule', '300');
    await fillByLabel(page, 'More pages to test', 'cart');
    await page.select('#site-level', 'AA');
    await follow(page, 'button', 'Save site monitor');
    assert.match(await textOf(page, '#site-paths-error'), /starting with a single \//);
    await assertAccessible(page, 'add a site monitor, with an error');
    await fillByLabel(page, 'More pages to test', '/cart');
    await follow(page, 'button', 'Save site monitor');
    await follow(page, 'a', 'Shop front');
    siteKey = page.url().split('/').pop() ?? '';
    assert.match(await textOf(page, 'dl.summary'), /every 5 minutes/);
    assert.match(await textOf(page, 'dl.summary'), /http:\/\/127\.0\.0\.1:9\/cart/);
    assert.match(await textOf(page, 'dl.summary'), /AA, certainty at least 0/);
  });

  test('a monitor every second shows its runs, a chart of errors, and what is new and fixed', async () => {
    const patched = await api('PATCH', `/api/sites/${siteKey}`, { intervalSec: 1 });
    assert.equal(patched.status, 200);
    assert.equal(patched.body['intervalSec'], 1);
    await fake.slots(3);
    await page.goto(`${base}/sites/${siteKey}`);
    assert.match(await textOf(page, 'dl.summary'), /every second/);
    assert.match(await textOf(page, '.chart-summary'), /^2 runs: 4 errors in the oldest, 4 in the latest/);
    assert.match(await textOf(page, '#new-title'), /New issues \(2\)/);
    assert.match(await textOf(page, '#fixed-title'), /Fixed issues \(2\)/);
    const changes = await textOf(page, '[aria-labelledby=changes-title]');
    assert.match(changes, /Problem sig-c on http:\/\/127\.0\.0\.1:9\/ /);
    assert.match(changes, /Problem sig-a on http:\/\/127\.0\.0\.1:9\/cart/);
    assert.doesNotMatch(changes, /sig-b/);
    const runs = await page.$$eval('[aria-labelledby=runs-title] tbody tr', (rows) => rows.length);
    assert.ok(runs >= 3, `${runs} runs listed`);
    await assertAccessible(page, 'monitor page with runs');
  });

  test('pausing and resuming are buttons, announced as site.updated', async () => {
    await follow(page, 'button', 'Pause');
    assert.match(await textOf(page, 'dl.summary'), /Paused/);
    assert.match(await textOf(page, 'dl.summary'), /Next run\s*none/);
    await assertAccessible(page, 'paused monitor');
    await follow(page, 'button', 'Resume');
    assert.match(await textOf(page, 'dl.summary'), /Active/);
    const events = await api('GET', '/api/events?event=site.updated');
    const updated = events.body['data'] as unknown[];
    // The PATCH to every second, the pause and the resume.
    assert.equal(updated.length, 3);
    await page.goto(`${base}/sites`);
    assert.match(await textOf(page, 'table.data'), /every second/);
    await assertAccessible(page, 'site monitors list');
  });
  test('crawl and sign-in are set from the keyboard; a failed sign-in is said first, with its reason', async () => {
    const trace = await api('POST', `/api/projects/${projectID}/traces`, {
      name: 'Sign in',
      steps: [
        { action: 'open', url: '/login' },
        { action: 'type', selector: '#password', text: '${password}' },
      ],
    });
    assert.equal(trace.status, 201);
    await page.goto(`${base}/sites/new?project=${projectID}`);
    await fillByLabel(page, 'Name', 'Members area');
    await fillByLabel(page, 'Site URL', 'http://127.0.0.1:9/');
    // The crawl is switched on and bounded with the keyboard alone.
    await page.focus('#site-crawl');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'site-max-pages');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('20');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'site-max-depth');
    await fillByLabel(page, 'Never paths starting with', '/logout');
    await fillByLabel(page, 'Sign-in trace ID', String(trace.body['id']));
    await fillByLabel(page, 'Sign-in parameters', 'password');
    await follow(page, 'button', 'Save site monitor');
    assert.match(await textOf(page, '#site-login-parameters-error'), /name=value, one per line/);
    assert.equal(
      await page.$eval('#site-crawl', (c) => (c as unknown as { checked: boolean }).checked),
      true,
    );
    await fillByLabel(page, 'Sign-in parameters', 'password=not shown again');
    await assertAccessible(page, 'a site monitor that crawls and signs in');
    await follow(page, 'button', 'Save site monitor');
    await follow(page, 'a', 'Members area');
    const key = page.url().split('/').pop() ?? '';
    const summary = await textOf(page, 'dl.summary');
    assert.match(summary, /Crawled from the site URL: up to 20 pages, at most 3 links\s+deep/);
    assert.match(summary, /Never: \/logout/);
    assert.match(summary, /parameters\s+password/);
    assert.doesNotMatch(await page.content(), /not shown again/);

    // Scheduled, its slot signs in against a closed port and fails with why.
    assert.equal((await api('PATCH', `/api/sites/${key}`, { intervalSec: 1 })).status, 200);
    for (;;) {
      const read = await api('GET', `/api/sites/${key}`);
      const last = read.body['lastSlot'] as { status: string } | null;
      if (last?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await api('PATCH', `/api/sites/${key}`, { paused: true })).status, 200);
    await page.goto(`${base}/sites/${key}`);
    assert.match(
      await textOf(page, '.notice'),
      /The latest run failed\s+sign-in failed at step 1 \(open "\/login"\)/,
    );
    assert.match(await textOf(page, '[aria-labelledby=runs-title]'), /Failed/);
    await assertAccessible(page, 'a monitor whose sign-in failed');

    // The edit form keeps the parameters without showing them.
    await page.goto(`${base}/sites/${key}/edit`);
    assert.equal(
      await page.$eval('#site-login-parameters', (t) => (t as unknown as { value: string }).value),
      '',
    );
    assert.match(await textOf(page, '#site-login-parameters-hint'), /leave empty to keep password/);
  });

  test('the pages tested and the trend of open issues per slot, as a chart and a table', async () => {
    const tenantId = (await app.store.listTenants())[0]!.id;
    const site = (await app.store.builds.getSite(tenantId, siteKey))!;
    const slots = (await app.store.monitors.listSlots(tenantId, site.id, 10)).map((s) => s.slot).sort();
    const issue = (n: number) => ({
      issueID: `${n}`.padStart(32, '0'),
      url: 'http://127.0.0.1:9/',
      tID: 1,
      errorTitle: `Problem ${n}`,
      standards: [],
      xpath: '/html',
      status: 'open' as const,
      firstSeen: 1,
      lastSeen: 1,
      updatedAt: 1,
    });
    // Two slots applied as the slot engine applies them: 3 issues open, then one of them left.
    for (const [slot, open] of [
      [slots[0]!, [1, 2, 3]],
      [slots[1]!, [1]],
    ] as const) {
      await app.store.issues.applySlot(tenantId, site.id, slot, Date.now(), (current) => ({
        issues: [
          ...open.map(issue),
          ...current
            .filter((i) => !(open as readonly number[]).includes(Number(i.issueID)))
            .map((i) => ({ ...i, status: 'fixed' as const })),
        ],
        events: [],
      }));
    }
    await page.goto(`${base}/sites/${siteKey}`);
    assert.match(
      await textOf(page, '[aria-labelledby=open-chart-heading] .chart-summary'),
      /^2 runs: 3 open issues in the oldest, 1 in the latest, at most 3\./,
    );
    const pages = await textOf(page, '[aria-labelledby=pages-title] tbody');
    assert.match(pages, /http:\/\/127\.0\.0\.1:9\/cart/);
    await assertAccessible(page, 'monitor page with its trend of open issues');
  });
});
