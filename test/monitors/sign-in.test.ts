/**
 * Sign-in for site monitors, in the pool's Chromium behind the filtering proxy, against a
 * loopback site with a sign-in form: the right password leaves a session whose pages show the
 * signed-in user's own content (in the same context, and in another given the session); a
 * wrong password, a failing step and a missing parameter each fail with a clear reason.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { BrowserPool } from '../../src/browsers/pool.ts';
import type { Step } from '../../src/domain/steps.ts';
import { restoreSession, restoreStorage, signIn } from '../../src/monitors/sign-in.ts';
import { parseAllowlist } from '../../src/network/policy.ts';

const allowlist = parseAllowlist('127.0.0.0/8');
const pool = new BrowserPool({
  paths: { chrome: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' },
  launchTimeoutMs: 30_000,
  allowlist,
});

const doc = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
const LOGIN_FORM = doc(
  'Sign in',
  '<form method="post" action="/login"><label>User <input id="user" name="user"></label><label>Password <input id="password" name="password" type="password"></label><button id="submit">Sign in</button></form>',
);

/** /login (alice / s3cret sets a session cookie), /account (the signed-in user's own page). */
function serveApp(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signedIn = /(?:^|; )session=alice-token(?:;|$)/.test(req.headers.cookie ?? '');
    if (path === '/login' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('user') === 'alice' && form.get('password') === 's3cret')
          return void res
            .writeHead(303, { location: '/account', 'set-cookie': 'session=alice-token; Path=/; HttpOnly' })
            .end();
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(LOGIN_FORM.replace('<form', '<p role="alert">Wrong password</p><form'));
      });
      return;
    }
    if (path === '/login') return void res.writeHead(200, { 'content-type': 'text/html' }).end(LOGIN_FORM);
    if (path === '/account')
      return void (signedIn
        ? res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(
              doc(
                'Account',
                '<p id="welcome">Welcome, alice</p><script>localStorage.setItem("theme", "dark")</script>',
              ),
            )
        : res.writeHead(302, { location: '/login' }).end());
    res.writeHead(404).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

const TRACE: Step[] = [
  { action: 'open', url: '/login' },
  { action: 'type', selector: '#user', text: '${username}' },
  { action: 'type', selector: '#password', text: '${password}' },
  { action: 'click', selector: '#submit' },
];

describe('sign-in', () => {
  let browser: Browser;
  let app: { server: Server; base: string };
  before(async () => {
    browser = await pool.acquire('chrome');
    app = await serveApp();
  });
  after(async () => {
    pool.release('chrome');
    await pool.close();
    app?.server.closeAllConnections();
    await new Promise((r) => app?.server.close(r));
  });

  const attempt = async (parameters: Record<string, string>, steps: Step[] = TRACE) => {
    const context = await browser.createBrowserContext();
    const result = await signIn({
      context,
      steps,
      parameters,
      baseUrl: `${app.base}/`,
      step: { timeoutMs: 2000, allowlist, refusals: () => 0 },
    });
    return { context, result };
  };
  const accountText = async (page: import('puppeteer-core').Page) => {
    await page.goto(`${app.base}/account`, { waitUntil: 'load' });
    return page.$eval('h1', (h) => h.textContent);
  };

  test("with the right password the pages are the signed-in user's own", async () => {
    const { context, result } = await attempt({ username: 'alice', password: 's3cret' });
    assert.equal(result.ok, true, result.ok ? '' : result.reason);
    if (!result.ok) return;
    assert.equal(result.landedOn, `${app.base}/account`);
    assert.deepEqual(
      result.session.cookies.map((c) => [c.name, c.value]),
      [['session', 'alice-token']],
    );
    assert.deepEqual(result.session.storage?.local, { theme: 'dark' });
    const page = await context.newPage();
    assert.equal(await accountText(page), 'Account', 'the same context is signed in');
    await context.close();

    // Another context, given the session, is signed in too; one without it gets the sign-in page.
    const other = await browser.createBrowserContext();
    await restoreSession(other, result.session);
    const restored = await other.newPage();
    await restoreStorage(restored, result.session);
    assert.equal(await accountText(restored), 'Account');
    assert.equal(await restored.evaluate(() => localStorage.getItem('theme')), 'dark');
    await other.close();
    const fresh = await browser.createBrowserContext();
    assert.equal(await accountText(await fresh.newPage()), 'Sign in');
    await fresh.close();
  });

  test('a wrong password fails with a reason, not a session', async () => {
    const { context, result } = await attempt({ username: 'alice', password: 'wrong' });
    await context.close();
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.match(result.reason, /sign-in form is still shown on .*\/login .*wrong username or password/);
    assert.doesNotMatch(result.reason, /wrong"/, 'the password is never in the reason');
  });

  test('a step that fails names the step as written, never the password', async () => {
    const { context, result } = await attempt({ username: 'alice', password: 's3cret' }, [
      ...TRACE.slice(0, 3),
      { action: 'click', selector: '#no-such-button' },
    ]);
    await context.close();
    assert.deepEqual(result, {
      ok: false,
      reason:
        'sign-in failed at step 4 (click "#no-such-button"): no visible element matches "#no-such-button" within 2000 ms',
    });
    const typed = await attempt({ username: 'alice', password: 's3cret' }, [
      { action: 'open', url: '/login' },
      { action: 'type', selector: '#nope', text: '${password}' },
    ]);
    await typed.context.close();
    assert.equal(typed.result.ok, false);
    const reason = typed.result.ok ? '' : typed.result.reason;
    assert.match(reason, /^sign-in failed at step 2 \(type "#nope"/);
    assert.ok(!reason.includes('s3cret'), reason);
  });

  test('a parameter the site does not define is named', async () => {
    const { context, result } = await attempt({ username: 'alice' });
    await context.close();
    assert.deepEqual(result, {
      ok: false,
      reason: "sign-in trace step 3 uses ${password}, which the site's loginParameters do not define",
    });
  });
});
