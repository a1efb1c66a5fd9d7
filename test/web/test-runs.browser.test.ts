/**
 * The console's test run pages in Chromium: a real Herald on SQLite runs real Tenon tests of
 * corpus pages with known barriers (served on loopback), then the list and the run page are
 * read as a person would, checked with axe and driven with the keyboard.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'puppeteer-core';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import type { TenonResponse } from '../../src/tenon/types.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { assertAccessible, follow, launchBrowser, textOf, type TestBrowser } from './helpers/browser.ts';
import { focused, signIn, WEB_ENV } from './helpers/herald-web.ts';

describe('test run pages in Chromium', () => {
  let h: TestHerald;
  let corpus: CorpusServer;
  let browser: TestBrowser;
  let page: Page;
  let images: TenonResponse;
  let failedID = '';
  let otherTenantID = '';

  /** A Tenon client's POST to the API root: form fields, the key among them. */
  const tenon = async (fields: Record<string, string>, key = h.adminKey) => {
    const res = await fetch(`${h.url}/api/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key, ...fields }).toString(),
    });
    return { status: res.status, body: (await res.json()) as TenonResponse };
  };

  before(async () => {
    corpus = await serveCorpus();
    h = await startHerald('sqlite', {
      ...WEB_ENV,
      HERALD_TENON_SYNC_WAIT_MS: '60000',
      HERALD_MONITOR_MIN_INTERVAL_SEC: '1',
      HERALD_MONITOR_TICK_MS: '50',
    });
    const forms = await tenon({ url: `${corpus.base}/forms.html`, projectID: 'p-forms' });
    assert.equal(forms.status, 200, JSON.stringify(forms.body));
    const res = await tenon({ url: `${corpus.base}/images.html`, projectID: 'p-images' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    images = res.body;
    // Nothing listens on port 9 of loopback: the page cannot be fetched.
    const failed = await tenon({ url: 'http://127.0.0.1:9/gone', projectID: 'p-images' });
    assert.notEqual(failed.status, 200, JSON.stringify(failed.body));
    const runs = await h.api('GET', `/api/test-runs?url=${encodeURIComponent('http://127.0.0.1:9/gone')}`);
    failedID = runs.body.data[0].responseID;

    const t = await h.api('POST', '/api/admin/tenants', { name: 'other' });
    const k = await h.api('POST', `/api/admin/tenants/${t.body.id}/keys`, { role: 'admin' });
    const other = await tenon({ url: `${corpus.base}/links.html` }, k.body.key as string);
    assert.equal(other.status, 200, JSON.stringify(other.body));
    otherTenantID = other.body.request.responseID;

    browser = await launchBrowser();
    page = (await browser.newPage()).page;
    await signIn(page, h.url);
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await corpus?.close();
  });

  test('the list shows the tenant’s runs newest first, filters by URL and project, and is axe-clean', async () => {
    await page.goto(`${h.url}/test-runs`);
    const rows = await page.$$eval('main tbody tr', (trs) =>
      trs.map((tr) => (tr as unknown as { innerText: string }).innerText),
    );
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.match(rows[0]!, /failed\s+http:\/\/127\.0\.0\.1:9\/gone/);
    assert.match(
      rows[1]!,
      new RegExp(
        `done\\s+${corpus.base}/images\\.html\\s+${images.resultSummary.issues.totalErrors}\\s+${images.resultSummary.issues.totalWarnings}`,
      ),
    );
    assert.match(rows[2]!, /forms\.html/);
    assert.ok(!rows.some((r) => r.includes(otherTenantID)), 'another tenant’s run is not listed');
    await assertAccessible(page, 'test run list');

    await page.goto(`${h.url}/test-runs?url=${encodeURIComponent(`${corpus.base}/forms.html`)}`);
    assert.equal(await page.$$eval('main tbody tr', (trs) => trs.length), 1);
    await page.goto(`${h.url}/test-runs?project=p-images`);
    assert.equal(await page.$$eval('main tbody tr', (trs) => trs.length), 2);
    assert.equal(
      await page.$eval('#runs-project', (el) => (el as unknown as { value: string }).value),
      'p-images',
    );
    await page.goto(`${h.url}/test-runs?url=${encodeURIComponent('http://127.0.0.1:9/none')}`);
    assert.match(await textOf(page, 'main'), /No test runs match/);
    await assertAccessible(page, 'test run list, nothing matches');
  });

  test('the keyboard leads from the list to a run', async () => {
    await page.goto(`${h.url}/test-runs`);
    const id = images.request.responseID;
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await focused(page)) === id;
    }
    assert.ok(reached, `Tab reaches the link to ${id}`);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, `/test-runs/${id}`);
  });

  test('a run shows its request and its issues grouped by rule, snippets as text, XPaths shown', async () => {
    await page.goto(`${h.url}/test-runs/${images.request.responseID}`);
    const summary = await textOf(page, 'main dl.summary');
    assert.match(summary, /images\.html/);
    assert.match(summary, /AAA, certainty at least 0, priority at least 0/);
    assert.match(summary, new RegExp(`${images.request.viewport.width} × ${images.request.viewport.height}`));
    assert.match(summary, /HTTP code of the page\s*200/);

    const rules = new Map<number, number>();
    for (const i of images.resultSet) rules.set(i.tID, (rules.get(i.tID) ?? 0) + 1);
    assert.ok(rules.size > 1, 'the fixture breaks more than one rule');
    const groups = await page.$$eval('section.rule', (els) =>
      els.map((el) => ({
        id: el.getAttribute('aria-labelledby') ?? '',
        heading: (el.querySelector('h3') as unknown as { innerText: string }).innerText,
        issues: el.querySelectorAll('li.issue').length,
        standards: el.querySelectorAll('ul.standards li').length,
      })),
    );
    assert.equal(groups.length, rules.size);
    for (const g of groups) {
      const tID = Number(g.id.replace('rule-', ''));
      const first = images.resultSet.find((i) => i.tID === tID)!;
      assert.equal(g.issues, rules.get(tID), g.heading);
      assert.ok(g.heading.startsWith(first.resultTitle), g.heading);
      assert.match(g.heading, new RegExp(`\\(${g.issues} issues?\\)`));
      assert.equal(g.standards, new Set(first.standards).size, `standards of ${g.heading}`);
    }

    const issue = images.resultSet[0]!;
    assert.match(issue.errorSnippet, /</, 'the snippet is markup');
    const shown = await page.$$eval('pre.snippet code', (els) =>
      els.map((el) => ({ text: el.textContent ?? '', children: el.children.length })),
    );
    assert.equal(shown.length, images.resultSet.length);
    assert.ok(
      shown.some((s) => s.text === issue.errorSnippet),
      'the snippet reads as its own source text',
    );
    assert.ok(
      shown.every((s) => s.children === 0),
      'no element of a snippet is injected',
    );
    const xpaths = await page.$$eval('code.xpath', (els) => els.map((el) => el.textContent));
    assert.ok(xpaths.includes(issue.xpath), 'the XPath is shown');
    assert.match(await textOf(page, 'main'), /line \d+, column \d+/);
    assert.match(await textOf(page, 'main'), /certainty \d+, priority \d+/);
    await assertAccessible(page, 'test run page');
  });

  test('a failed run shows its Tenon error', async () => {
    await page.goto(`${h.url}/test-runs/${failedID}`);
    assert.match(await textOf(page, 'h1'), /failed/);
    const alert = await textOf(page, '[role=alert]');
    assert.match(alert, /The test failed: Tenon error 5\d\d [a-z_]+/);
    await assertAccessible(page, 'failed test run page');
  });

  test('an unknown run and another tenant’s are the console’s 404 page', async () => {
    for (const id of ['0123456789abcdef0123456789abcdef', otherTenantID, 'not-an-id']) {
      const res = await page.goto(`${h.url}/test-runs/${id}`);
      assert.equal(res?.status(), 404, id);
      assert.match(await textOf(page, 'h1'), /Page not found/);
      assert.match(await textOf(page, 'main'), /There is no such test run/);
    }
    const deeper = await page.goto(`${h.url}/test-runs/a/b`);
    assert.equal(deeper?.status(), 404);
    assert.match(await textOf(page, 'h1'), /Page not found/);
    await assertAccessible(page, 'test run not found');
  });

  test('the main navigation leads to the test runs', async () => {
    await page.goto(`${h.url}/sites`);
    await follow(page, 'a', 'Test runs');
    assert.equal(new URL(page.url()).pathname, '/test-runs');
    assert.equal(
      await page.$eval('nav.main-nav [aria-current=page]', (el) => el.textContent?.trim()),
      'Test runs',
    );
  });

  test('a site monitor’s last runs link to their test run pages, and the list filters by monitor', async () => {
    const project = await h.api('POST', '/api/projects', { name: 'Monitored' });
    const site = await h.api('POST', '/api/sites', {
      name: 'Corpus',
      projectID: project.body.projectID,
      siteUrl: `${corpus.base}/clean-form.html`,
      intervalSec: 1,
    });
    assert.equal(site.status, 201, site.text);
    const siteKey = site.body.siteKey as string;
    // The scheduler and the run queue work in the background: ask the API, bounded, until a run is done.
    let responseID = '';
    for (let i = 0; i < 600 && !responseID; i++) {
      const runs = await h.api('GET', `/api/test-runs?siteKey=${siteKey}`);
      responseID = runs.body.data.find((r: { status: string }) => r.status === 'done')?.responseID ?? '';
      if (!responseID) await sleep(50);
    }
    assert.ok(responseID, 'the monitor made a finished run');
    assert.equal((await h.api('PATCH', `/api/sites/${siteKey}`, { paused: true })).status, 200);

    await page.goto(`${h.url}/sites/${siteKey}`);
    await follow(page, 'a', responseID);
    assert.equal(new URL(page.url()).pathname, `/test-runs/${responseID}`);
    assert.match(await textOf(page, 'main dl.summary'), new RegExp(`Site monitor\\s*${siteKey}`));
    await assertAccessible(page, 'a monitor’s test run');

    await page.goto(`${h.url}/test-runs`);
    await page.select('#runs-site', siteKey);
    await follow(page, 'button', 'Show test runs');
    const urls = await page.$$eval('main tbody td code', (els) => els.map((el) => el.textContent));
    assert.ok(urls.length > 0);
    assert.ok(
      urls.every((u) => u === `${corpus.base}/clean-form.html`),
      urls.join(' '),
    );
  });

  test('the list is paged, 25 runs a page, and the next page keeps the filter', async () => {
    const src = '<!doctype html><html lang="en"><title>T</title><main><img src="a.png"></main></html>';
    const posted: string[] = [];
    for (let i = 0; i < 26; i++) {
      const res = await tenon({ src, projectID: 'p-many', async: '1' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      posted.push(res.body.request.responseID);
    }
    const ids = () => page.$$eval('main tbody th a', (els) => els.map((el) => el.textContent?.trim() ?? ''));
    await page.goto(`${h.url}/test-runs?project=p-many`);
    const first = await ids();
    assert.equal(first.length, 25);
    await follow(page, 'a', 'Older test runs');
    assert.equal(new URL(page.url()).searchParams.get('project'), 'p-many');
    const second = await ids();
    assert.equal(second.length, 1);
    // Runs made in the same millisecond may sort either way: the pages together hold each run once.
    assert.deepEqual([...first, ...second].sort(), [...posted].sort());
    assert.equal(await page.$('nav.pager'), null);
  });
});
