import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import type { HTTPResponse, Page } from 'puppeteer-core';
import { UserService } from '../../src/services/users.ts';
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
import {
  ADMIN,
  fillByLabel,
  focused,
  projectData,
  signIn,
  waitForDelivery,
  WEB_ENV,
} from './helpers/herald-web.ts';

const XSS = '<script>alert(1)</script>';

type Doc = { document: { scripts: Iterable<{ src: string }>; activeElement: { className: string } | null } };

/** Escaping, CSRF, the keyboard, and axe-core on every page of the console, in Chromium. */
describe('console pages in Chromium', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let browser: TestBrowser;
  let t: TestPage;
  let page: Page;
  let attacker: Server;
  let attackerUrl = '';

  before(async () => {
    receiver = await Receiver.start();
    h = await startHerald('sqlite', WEB_ENV);
    browser = await launchBrowser();
    t = await browser.newPage();
    page = t.page;
    // Another origin on loopback: a page that auto-submits a form to Herald, as a hostile site would.
    attacker = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>win a prize</title>
<form id="f" method="post" action="${h.url}/settings/hooks/new">
<input name="name" value="planted by another site"><input name="url" value="http://127.0.0.1:9/steal">
<input name="objects" value="project"></form>
<script>document.getElementById('f').submit()</script>`);
    });
    attacker.listen(0, '127.0.0.1');
    await once(attacker, 'listening');
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
    await signIn(page, h.url);
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await receiver?.close();
    attacker?.close();
  });

  test('the axe check itself fails on a serious violation (so a pass means something)', async () => {
    await page.goto(`${h.url}/settings`);
    await page.evaluate(() => {
      const d = (
        globalThis as unknown as { document: { body: { insertAdjacentHTML(p: string, s: string): void } } }
      ).document;
      d.body.insertAdjacentHTML('beforeend', '<img src="/assets/console.css">');
    });
    await assert.rejects(assertAccessible(page), /image-alt/);
  });

  test('a hook named <script>alert(1)</script> is shown as text and never runs', async () => {
    await page.goto(`${h.url}/settings/hooks/new`);
    await fillByLabel(page, 'Name', XSS);
    await fillByLabel(page, 'URL for the Hook Location', `${receiver.url}/x?a="><script>alert(2)</script>`);
    await page.click('label[for="hook-objects-site"]');
    await follow(page, 'button', 'Submit Hook');
    assert.match(await textOf(page, '.flash'), /The hook "<script>alert\(1\)<\/script>" was added/);
    assert.equal(await textOf(page, 'table.data tbody th a'), XSS, 'the name is visible as text');
    const href = await page.$eval('table.data tbody th a', (a) => a.getAttribute('href'));
    for (const path of [
      '/settings/hooks',
      href!,
      `${href!}/edit`,
      `${href!}/deliveries`,
      `${href!}/delete`,
    ]) {
      await page.goto(`${h.url}${path}`);
      const scripts = await page.evaluate(() =>
        [...(globalThis as unknown as Doc).document.scripts].map((s) => s.src),
      );
      assert.equal(scripts.length, 1, `${path}: only the console's own script`);
      assert.match(scripts[0]!, /\/assets\/console\.js\?v=/);
      assert.ok(
        (await textOf(page, 'main')).includes(XSS) || path.endsWith('/edit'),
        `${path} shows the name`,
      );
    }
    await page.goto(`${h.url}${href!}/edit`);
    assert.equal(
      await page.$eval('#hook-name', (i) => (i as unknown as { value: string }).value),
      XSS,
      'the form gives it back intact',
    );
    assert.deepEqual(t.dialogs, [], 'no alert ever opened');
    assert.deepEqual(t.errors, []);
  });

  test('a cross-site form POST without the CSRF token is refused with 403 and changes nothing', async () => {
    const before = (await h.api('GET', '/api/hooks')).body.data.length;
    const target = `${h.url}/settings/hooks/new`;
    const refused = new Promise<number>((resolve) => {
      const onResponse = (r: HTTPResponse) => {
        if (r.url() !== target || r.request().method() !== 'POST') return;
        page.off('response', onResponse);
        resolve(r.status());
      };
      page.on('response', onResponse);
    });
    await page.goto(attackerUrl);
    assert.equal(await refused, 403);
    await page.waitForFunction("document.title === 'Not allowed · Herald'");
    assert.equal(new URL(page.url()).pathname, '/settings/hooks/new');
    assert.match(
      await textOf(page, 'main'),
      /This form has expired or was sent from another site, so nothing was changed/,
    );
    assert.equal(await page.title(), 'Not allowed · Herald');
    const hooks = (await h.api('GET', '/api/hooks')).body.data as Array<{ name: string }>;
    assert.equal(hooks.length, before);
    assert.ok(!hooks.some((x) => x.name === 'planted by another site'));
    await assertAccessible(page, '403 page');
  });

  test('every page starts with a skip link and the header, and sign-in works with the keyboard alone', async () => {
    const own = await browser.newPage({ isolated: true });
    try {
      const p = own.page;
      await p.goto(`${h.url}/login`);
      const order: string[] = [];
      for (let i = 0; i < 5; i++) {
        await p.keyboard.press('Tab');
        order.push(await focused(p));
      }
      assert.deepEqual(order, ['Skip to main content', 'Herald', 'login-email', 'login-password', 'Sign in']);
      await p.keyboard.down('Shift');
      await p.keyboard.press('Tab');
      await p.keyboard.press('Tab');
      await p.keyboard.up('Shift');
      await p.keyboard.type(ADMIN.email);
      await p.keyboard.press('Tab');
      await p.keyboard.type(ADMIN.password);
      await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
      assert.equal(new URL(p.url()).pathname, '/settings/hooks');

      // The skip link moves focus past the navigation, to the page's own content.
      await p.keyboard.press('Tab');
      assert.equal(await focused(p), 'Skip to main content');
      await p.keyboard.press('Enter');
      assert.equal(await focused(p), 'main');
    } finally {
      await own.page.close();
    }
  });

  test('a hook can be added with the keyboard alone, in a sensible focus order, errors first', async () => {
    await page.goto(`${h.url}/settings/hooks/new`);
    const order: string[] = [];
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      order.push(f);
      if (f === 'Submit Hook') break;
    }
    assert.deepEqual(order, [
      'Skip to main content',
      'Herald',
      'Projects',
      'Site monitors',
      'Test runs',
      'Builds',
      'Events',
      'Settings',
      'Sign out',
      'Settings',
      'Web Hooks',
      'hook-name',
      'hook-url',
      'hook-objects-project',
      'hook-objects-site',
      'hook-objects-apiLog',
      'hook-objects-issue',
      'hook-objects-build',
      'hook-objects-hook',
      'More options: event filter and Basic authentication',
      'Delivery options: headers, payload filter, rate limit and ordering',
      'Submit Hook',
    ]);
    // Submit with only a name: focus lands on the summary, whose link leads to the field.
    await page.focus('#hook-name');
    await page.keyboard.type('Keyboard hook');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.className),
      'error-summary',
    );
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Enter the URL for the hook location');
    await page.keyboard.press('Enter');
    assert.equal(await focused(page), 'hook-url');
    const described = await page.$eval('#hook-url', (el) => el.getAttribute('aria-describedby'));
    assert.equal(described, 'hook-url-hint hook-url-error');
    await page.keyboard.type(`${receiver.url}/keyboard`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // the first object: Projects
    assert.equal(await focused(page), 'hook-objects-project');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/settings/hooks');
    assert.match(await textOf(page, 'main'), /Keyboard hook/);
  });

  test('axe finds nothing serious on any other page', async () => {
    // Data for every page: a hook with a delivery, an event, a key, a second user.
    const hook = await h.api('POST', '/api/hooks', {
      name: 'Sites',
      url: `${receiver.url}/sites`,
      objects: ['project', 'site'],
    });
    const published = await h.api('POST', '/api/events', {
      event: 'project.created',
      data: projectData('Axe project'),
    });
    const delivery = published.body.deliveries.find((d: { hookId: string }) => d.hookId === hook.body.id).id;
    await waitForDelivery(h, delivery, 'delivered');
    const member = await new UserService({ store: h.app.store }).create({
      email: 'member@example.com',
      password: 'member password',
      role: 'member',
    });

    await h.api('POST', '/api/event-types', { name: 'invoice.paid', schema: { type: 'object' } });
    const pages: Array<[string, string]> = [
      ['/settings', 'Settings'],
      ['/settings/hooks', 'Web Hooks'],
      [`/settings/hooks/${hook.body.id}`, 'Sites'],
      [`/settings/hooks/${hook.body.id}/edit`, 'Edit Sites'],
      [`/settings/hooks/${hook.body.id}/deliveries`, 'Deliveries of Sites'],
      [`/settings/hooks/${hook.body.id}/deliveries?status=failed`, 'Deliveries of Sites'],
      [`/deliveries/${delivery}`, `Delivery ${delivery}`],
      ['/events', 'Events'],
      ['/events?type=project.created', 'Events'],
      ['/events/types', 'Event types'],
      [`/events/${published.body.eventID}`, 'project.created'],
      ['/settings/keys', 'API Keys'],
      ['/settings/users', 'Users'],
      [`/settings/users/${member.id}/delete`, 'Remove member@example.com?'],
      ['/settings/account', 'Your account'],
      ['/settings/no-such-page', 'Page not found'],
    ];
    for (const [path, title] of pages) {
      await page.goto(`${h.url}${path}`);
      assert.equal(await textOf(page, 'h1'), title, path);
      await page.$$eval('details', (ds) => ds.forEach((d) => d.setAttribute('open', '')));
      await assertAccessible(page, path);
    }

    // Pages that follow a form: a new key, the key's revocation, and forms with errors.
    await page.goto(`${h.url}/settings/keys`);
    await follow(page, 'button', 'Create key');
    assert.match(await textOf(page, '.error-summary'), /Enter a name for the key/);
    await assertAccessible(page, 'keys, with errors');
    await fillByLabel(page, 'Name', 'CI');
    await follow(page, 'button', 'Create key');
    assert.match(await textOf(page, '.notice'), /Your new API key/);
    await assertAccessible(page, 'keys, new key');
    await follow(page, 'a', 'Revoke CI');
    await assertAccessible(page, 'revoke key');
    await follow(page, 'button', 'Revoke key');
    assert.match(await textOf(page, '.flash'), /The key was revoked/);

    await page.goto(`${h.url}/settings/users`);
    await fillByLabel(page, 'Email address', 'not an email');
    await follow(page, 'button', 'Add user');
    assert.match(await textOf(page, '#user-email-error'), /email address like/);
    await assertAccessible(page, 'users, with errors');

    await page.goto(`${h.url}/settings/account`);
    await follow(page, 'button', 'Change password');
    await assertAccessible(page, 'account, with errors');

    const own = await browser.newPage({ isolated: true });
    try {
      await own.page.goto(`${h.url}/login`);
      await follow(own.page, 'button', 'Sign in');
      await assertAccessible(own.page, 'sign-in, with errors');
    } finally {
      await own.page.close();
    }
    assert.deepEqual(t.blocked, [], 'nothing left loopback');
  });
});
