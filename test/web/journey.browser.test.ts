import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { verifyWebhook } from '../../packages/verify/src/index.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import {
  assertAccessible,
  follow,
  launchBrowser,
  textOf,
  type TestBrowser,
  type TestPage,
} from './helpers/browser.ts';
import { ADMIN, fillByLabel, waitForDelivery, WEB_ENV } from './helpers/herald-web.ts';

/**
 * The seed's journey (tenon-web-hooks.txt) in Debian's Chromium: sign in, Settings › Web Hooks,
 * "Add a new Hook", Name / "URL for the Hook Location" / "Which objects should Post to this
 * hook?", "Submit Hook"; then the hook at work: a delivery, a failure, Redeliver, a secret
 * rotation, and deleting it. axe-core checks every page on the way.
 */
describe('the web hooks journey in Chromium', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let browser: TestBrowser;
  let t: TestPage;
  let page: Page;
  let hookId = '';

  before(async () => {
    receiver = await Receiver.start();
    // One attempt per delivery, so a failure is final at once and Redeliver is what sends it again.
    h = await startHerald('sqlite', { ...WEB_ENV, HERALD_RETRY_SCHEDULE: '0' });
    browser = await launchBrowser();
    t = await browser.newPage();
    page = t.page;
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await receiver?.close();
  });

  const path = () => new URL(page.url()).pathname;
  const heading = () => textOf(page, 'h1');

  test('sign in with email and password', async () => {
    await page.goto(`${h.url}/`);
    assert.equal(path(), '/login', 'the console sends a stranger to sign in');
    await assertAccessible(page, 'sign-in');
    await fillByLabel(page, 'Email address', ADMIN.email);
    await fillByLabel(page, 'Password', ADMIN.password);
    await follow(page, 'button', 'Sign in');
    assert.equal(path(), '/settings/hooks');
    assert.equal(await textOf(page, '.who'), ADMIN.email);
  });

  test('Settings › Web Hooks explains hooks while there are none', async () => {
    await follow(page, 'a', 'Settings');
    assert.equal(await heading(), 'Settings');
    await assertAccessible(page, 'settings');
    await follow(page, 'a', 'Web Hooks');
    assert.equal(await heading(), 'Web Hooks');
    assert.match(await textOf(page, '.empty'), /A web hook is a URL of yours that Herald POSTs JSON to/);
    await assertAccessible(page, 'web hooks, empty');
  });

  test('"Add a new Hook" shows inline errors, then "Submit Hook" adds the hook to the list', async () => {
    await follow(page, 'a', 'Add a new Hook');
    assert.equal(await heading(), 'Add a new Hook');
    await assertAccessible(page, 'add a new hook');

    await follow(page, 'button', 'Submit Hook');
    assert.equal(await page.title(), 'Error: Add a new Hook · Herald');
    assert.equal(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { className: string } } }).document
            .activeElement.className,
      ),
      'error-summary',
      'focus moves to the problems',
    );
    const nameError = await page.$eval('#hook-name', (el) => [
      el.getAttribute('aria-invalid'),
      el.getAttribute('aria-describedby'),
    ]);
    assert.deepEqual(nameError, ['true', 'hook-name-hint hook-name-error']);
    assert.match(await textOf(page, '#hook-name-error'), /Enter a name for this hook/);
    assert.match(await textOf(page, '#hook-url-error'), /Enter the URL for the hook location/);
    assert.match(await textOf(page, '#hook-objects-error'), /Select at least one object/);
    await assertAccessible(page, 'add a new hook, with errors');

    await fillByLabel(page, 'Name', 'Project log');
    await fillByLabel(page, 'URL for the Hook Location', `${receiver.url}/hook-a`);
    const legend = await textOf(page, 'fieldset#hook-objects legend');
    assert.equal(legend, 'Which objects should Post to this hook?');
    await page.click('label[for="hook-objects-project"]');
    await follow(page, 'button', 'Submit Hook');

    assert.equal(path(), '/settings/hooks', '"Submit Hook" returns to the list');
    assert.match(await textOf(page, '.flash'), /The hook "Project log" was added/);
    const row = await page.$eval('table.data tbody tr', (tr) =>
      [...tr.querySelectorAll('th, td')].map((c) => (c as unknown as { innerText: string }).innerText.trim()),
    );
    assert.equal(row[0], 'Project log');
    assert.equal(row[1], `${receiver.url}/hook-a`);
    assert.equal(row[2], 'Projects');
    assert.equal(row[3], 'Enabled');
    assert.equal(row[4], 'none yet');
    hookId = (await page.$eval('table.data tbody th a', (a) => a.getAttribute('href')))!.split('/').pop()!;
    await assertAccessible(page, 'web hooks, one hook');
  });

  let secret = '';

  /** Projects › "Add a project" › Name › "Save project": the project form announces project.created. */
  const createProject = async (name: string) => {
    await follow(page, 'a', 'Projects');
    await follow(page, 'a', 'Add a project');
    await fillByLabel(page, 'Name', name);
    await follow(page, 'button', 'Save project');
    assert.equal(await heading(), name);
  };

  test('a project created in the console is POSTed to the receiver as project.created and shows in the delivery log', async () => {
    secret = (await h.api('GET', `/api/hooks/${hookId}/secret`)).body.secret;
    await createProject('Awesome Project');
    const [req] = await receiver.waitFor(1, (r) => r.path === '/hook-a');
    const body = verifyWebhook(secret, req!.headers, req!.body) as { event: string; data: { name: string } };
    assert.equal(body.event, 'project.created');
    assert.equal(body.data.name, 'Awesome Project');
    const deliveryId = String(req!.headers['webhook-id']);
    await waitForDelivery(h, deliveryId, 'delivered');

    await page.goto(`${h.url}/settings/hooks`);
    assert.match(await textOf(page, 'table.data tbody tr td:nth-of-type(4)'), /delivered/);
    await follow(page, 'a', 'Deliveries of Project log');
    assert.equal(await heading(), 'Deliveries of Project log');
    const first = await textOf(page, '#delivery-log tbody tr');
    assert.match(first, /project\.created/);
    assert.match(first, /delivered/);
    assert.match(first, /HTTP 204/);
    assert.match(await textOf(page, '.chart-summary'), /1 attempt succeeded and 0 failed/);
    await assertAccessible(page, 'deliveries');

    await Promise.all([page.waitForNavigation(), page.click('#delivery-log tbody tr td a')]);
    assert.equal(path(), `/deliveries/${deliveryId}`);
    const attempt = await textOf(page, '.attempt');
    assert.match(attempt, /Attempt 1: HTTP 204/);
    assert.match(attempt, /webhook-signature/);
    assert.match(await textOf(page, 'pre.code'), /"event": "project.created"/);
    await assertAccessible(page, 'delivery');
  });

  test('when the receiver fails the failure shows; Redeliver sends it again and it succeeds', async () => {
    receiver.respondOn('/hook-a', { status: 500, body: 'receiver is down' });
    await createProject('Second Project');
    const [, failed] = await receiver.waitFor(2, (r) => r.path === '/hook-a');
    const deliveryId = String(failed!.headers['webhook-id']);
    await waitForDelivery(h, deliveryId, 'failed');

    await page.goto(`${h.url}/settings/hooks`);
    const state = await textOf(page, 'table.data tbody tr');
    assert.match(state, /Failing/);
    assert.match(state, /failed/);
    await page.goto(`${h.url}/settings/hooks/${hookId}/deliveries`);
    await follow(page, 'a', 'Failed');
    const rows = await page.$$('#delivery-log tbody tr');
    assert.equal(rows.length, 1, 'only the failed delivery');
    assert.match(await textOf(page, '#delivery-log tbody tr'), /failed[\s\S]*HTTP 500/);
    await assertAccessible(page, 'deliveries, failed');

    await follow(page, 'button', `Redeliver ${deliveryId}`);
    assert.match(await textOf(page, '.flash'), /will be sent again now/);
    await receiver.waitFor(3, (r) => r.path === '/hook-a');
    await waitForDelivery(h, deliveryId, 'delivered');

    await page.goto(`${h.url}/deliveries/${deliveryId}`);
    assert.match(await textOf(page, 'dl.summary'), /delivered/);
    const attempts = await page.$$eval('.attempt h3', (hs) =>
      hs.map((x) => (x as unknown as { innerText: string }).innerText),
    );
    assert.equal(attempts.length, 2);
    assert.match(attempts[0]!, /Attempt 2: HTTP 204/);
    assert.match(attempts[1]!, /Attempt 1: HTTP 500/);
    assert.match(await textOf(page, '.attempt-failed'), /receiver is down/);
    await page.goto(`${h.url}/settings/hooks`);
    assert.match(await textOf(page, 'table.data tbody tr'), /Enabled/, 'a success clears the failing state');
  });

  test('the signing secret is revealed and rotated; both secrets sign during the overlap', async () => {
    await page.goto(`${h.url}/settings/hooks/${hookId}`);
    await assertAccessible(page, 'hook');
    await page.click('details.secret summary');
    assert.equal(await textOf(page, '#hook-secret'), secret);
    assert.equal(
      await page.$eval('button[data-copy]', (b) => (b as unknown as { hidden: boolean }).hidden),
      false,
      'script shows the copy button',
    );

    await follow(page, 'button', 'Rotate secret');
    assert.match(
      await textOf(page, '.flash'),
      /The signing secret was rotated. The previous secret keeps signing too until/,
    );
    await page.click('details.secret summary');
    const rotated = await textOf(page, '#hook-secret');
    assert.notEqual(rotated, secret);
    assert.match(rotated, /^whsec_/);
    assert.equal((await h.api('GET', `/api/hooks/${hookId}/secret`)).body.secret, rotated);

    await follow(page, 'button', 'Send test event');
    assert.match(await textOf(page, '.flash'), /A test event \(ping\) was sent/);
    const [ping] = await receiver.waitFor(1, (r) => r.path === '/hook-a' && r.body.includes('"ping"'));
    assert.equal(String(ping!.headers['webhook-signature']).split(' ').length, 2);
    verifyWebhook(rotated, ping!.headers, ping!.body);
    verifyWebhook(secret, ping!.headers, ping!.body);
  });

  test('a hook can be disabled and enabled again', async () => {
    await page.goto(`${h.url}/settings/hooks/${hookId}`);
    await follow(page, 'button', 'Disable');
    assert.match(await textOf(page, 'dl.summary'), /Disabled/);
    assert.equal((await h.api('GET', `/api/hooks/${hookId}`)).body.enabled, false);
    await follow(page, 'button', 'Enable');
    assert.match(await textOf(page, 'dl.summary'), /Enabled/);
  });

  test('a hook is deleted after a confirmation', async () => {
    await page.goto(`${h.url}/settings/hooks/${hookId}`);
    await follow(page, 'a', 'Delete');
    assert.equal(await heading(), 'Delete the hook "Project log"?');
    await assertAccessible(page, 'delete confirmation');
    await follow(page, 'button', 'Delete hook');
    assert.equal(path(), '/settings/hooks');
    assert.match(await textOf(page, '.flash'), /The hook "Project log" was deleted/);
    assert.ok(await page.$('.empty'), 'back to the empty state');
    assert.equal((await h.api('GET', `/api/hooks/${hookId}`)).status, 404);
    assert.deepEqual(t.dialogs, []);
    assert.deepEqual(t.errors, []);
    assert.deepEqual(t.blocked, [], 'nothing left loopback');
  });
});
