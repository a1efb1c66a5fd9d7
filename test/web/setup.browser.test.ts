import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { assertAccessible, launchBrowser, textOf, type TestBrowser } from './helpers/browser.ts';
import { focused } from './helpers/herald-web.ts';

/** Presses Tab until the element with this id (or text) has focus; fails after `max` presses. */
async function tabTo(page: Page, target: string, max = 12): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if ((await focused(page)) === target) return;
  }
  assert.fail(`Tab never reached ${target}`);
}

/** The first run's setup link, in Chromium, with the keyboard alone and axe on every page. */
describe('first-run setup in Chromium', () => {
  let h: TestHerald;
  let browser: TestBrowser;
  let link: string;

  before(async () => {
    // No HERALD_ADMIN_EMAIL: a fresh install with an API key and no console user.
    h = await startHerald('sqlite');
    link = (await h.app.services.users.setup.open(h.url, 3_600_000))!;
    assert.ok(link, 'a link while no user exists');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  test('the first admin chooses an email and password with the keyboard, is signed in, and the link is gone', async () => {
    const { page } = await browser.newPage({ isolated: true });
    await page.goto(link);
    assert.equal(await page.title(), 'Set up Herald · Herald');
    await assertAccessible(page, 'setup page');
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused(page));
    }
    assert.deepEqual(order, [
      'Skip to main content',
      'Herald',
      'setup-email',
      'setup-password',
      'setup-confirm',
      'Create administrator',
    ]);

    // A too-short password first: the form says so, tied to the field, and axe is still happy.
    await tabTo(page, 'setup-email');
    await page.keyboard.type('first@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await page.keyboard.press('Tab');
    await page.keyboard.type('short');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.match(await textOf(page, '.error-summary'), /at least 8 characters/);
    await assertAccessible(page, 'setup page with an error');

    await tabTo(page, 'setup-password');
    await page.keyboard.type('a long enough password');
    await page.keyboard.press('Tab');
    await page.keyboard.type('a long enough password');
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'Create administrator');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/settings/hooks');
    assert.match(await textOf(page, 'body'), /first@example\.com, the first administrator/);
    await assertAccessible(page, 'the console after setup');

    const again = await page.goto(link);
    assert.equal(again?.status(), 404);
    await assertAccessible(page, 'the used link');
    await page.close();
  });
});
