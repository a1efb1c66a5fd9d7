/**
 * The monitor page's tracked issues in Chromium: listed by status, accepted and reopened with the
 * keyboard alone, the baseline button, each change announced; axe-clean at every step.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import type { TrackedIssue } from '../../src/domain/issues.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { assertAccessible, launchBrowser, textOf, type TestBrowser } from './helpers/browser.ts';
import { focused, signIn, WEB_ENV } from './helpers/herald-web.ts';

const issue = (n: number, status: TrackedIssue['status']): TrackedIssue => ({
  issueID: String(n).repeat(32).slice(0, 32),
  url: `http://127.0.0.1:9/page-${n}`,
  tID: 47,
  errorTitle: `Images must have alternate text ${n}`,
  standards: ['1.1.1 Non-text Content'],
  xpath: `/html/body/img[${n}]`,
  status,
  firstSeen: 1_700_000_000_000,
  lastSeen: 1_700_000_100_000,
  updatedAt: 1_700_000_100_000,
});

describe('tracked issues on the monitor page', () => {
  let h: TestHerald;
  let browser: TestBrowser;
  let page: Page;
  let siteKey = '';

  before(async () => {
    h = await startHerald('sqlite', WEB_ENV);
    const projectID = (await h.api('POST', '/api/projects', { name: 'Shop' })).body.projectID as string;
    siteKey = (
      await h.api('POST', '/api/sites', { name: 'Shop front', projectID, siteUrl: 'http://127.0.0.1:9/' })
    ).body.siteKey as string;
    // What two applied slots would have left: two open issues, one fixed.
    const tenantId = (await h.app.store.listTenants())[0]!.id;
    const site = (await h.app.store.builds.getSite(tenantId, siteKey))!;
    await h.app.store.issues.saveChanges(tenantId, site.id, () => ({
      issues: [issue(1, 'open'), issue(2, 'open'), issue(3, 'fixed')],
      events: [],
    }));
    browser = await launchBrowser();
    page = (await browser.newPage()).page;
    await signIn(page, h.url);
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  const rows = () => page.$$eval('[aria-labelledby=issues-title] tbody tr', (trs) => trs.length);
  const pressEnterOn = async (text: string) => {
    // Tab until the button is focused, as a keyboard user would, then press Enter.
    for (let i = 0; i < 200 && !(await focused(page)).startsWith(text); i++) await page.keyboard.press('Tab');
    assert.ok((await focused(page)).startsWith(text), `could not tab to "${text}"`);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  };

  test('open issues are listed, each with Accept; the page is axe-clean', async () => {
    await page.goto(`${h.url}/sites/${siteKey}`);
    assert.equal(await rows(), 2);
    assert.match(await textOf(page, '[aria-labelledby=issues-title] tbody'), /alternate text 1.*page-1/s);
    await assertAccessible(page, 'the monitor page with tracked issues');
  });

  test('Accept works from the keyboard and announces issue.updated', async () => {
    await pressEnterOn('Accept');
    assert.match(await textOf(page, 'main'), /is accepted/);
    assert.equal(await rows(), 1);
    await assertAccessible(page, 'after accepting');
    const events = await h.api('GET', '/api/events?event=issue.updated');
    assert.equal(events.body.data.length, 1);
  });

  test('the accepted list reopens; the fixed list has no action', async () => {
    await page.goto(`${h.url}/sites/${siteKey}?issues=accepted`);
    assert.equal(await rows(), 1);
    await pressEnterOn('Reopen');
    assert.match(await textOf(page, 'main'), /is open/);
    await page.goto(`${h.url}/sites/${siteKey}?issues=fixed`);
    assert.equal(await rows(), 1);
    assert.equal(await page.$$eval('[aria-labelledby=issues-title] tbody button', (b) => b.length), 0);
    await assertAccessible(page, 'fixed issues');
  });

  test('the baseline button accepts every open issue', async () => {
    await page.goto(`${h.url}/sites/${siteKey}`);
    await pressEnterOn('Set the baseline');
    assert.match(await textOf(page, 'main'), /Baseline set: 2 open issues accepted/);
    assert.equal(await rows(), 0);
    const accepted = await h.api('GET', `/api/sites/${siteKey}/issues?status=accepted`);
    assert.equal(accepted.body.data.length, 2);
    await assertAccessible(page, 'after the baseline');
  });
});
