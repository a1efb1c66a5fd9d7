import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { freePort, spawnHerald, stopProcess } from '../helpers/herald-process.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { ConsoleClient } from '../web/helpers/client.ts';

const FORM = {
  email: 'first@example.com',
  password: 'a long enough password',
  confirm: 'a long enough password',
};

function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    request({ host: u.hostname, port: u.port, path: u.pathname, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

/** The one-time setup link at the HTTP level: once, in time, on its host, and only while no user exists. */
describe('first-run setup link', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite');
  });
  after(async () => h?.stop());

  const path = (link: string) => new URL(link).pathname;

  test('works once: the page, a refused form that keeps the link, the admin, then 404', async () => {
    const link = (await h.app.services.users.setup.open(h.url, 3_600_000))!;
    assert.match(link, new RegExp(`^${h.url}/setup/[A-Za-z0-9_-]{43}$`), '256 bits, base64url');
    const c = new ConsoleClient(h.url);
    assert.equal((await c.get(path(link))).status, 200);
    assert.equal((await c.get(`${path(link)}x`)).status, 404, 'a wrong token');
    const weak = await c.post(path(link), { ...FORM, password: 'short', confirm: 'short' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /at least 8 characters/);
    const mismatch = await c.post(path(link), { ...FORM, confirm: 'something else entirely' });
    assert.equal(mismatch.status, 400);
    const forged = await c.post(path(link), { ...FORM, _csrf: 'forged' });
    assert.equal(forged.status, 403);

    const done = await c.post(path(link), FORM);
    assert.equal(done.status, 303);
    assert.ok(c.cookies.get('herald_session'), 'signed in');
    assert.equal((await c.get('/settings/account')).status, 200);
    const user = await h.app.store.console.findUserByEmail(FORM.email);
    assert.equal(user?.role, 'admin');

    assert.equal((await c.get(path(link))).status, 404, 'used');
    const fresh = new ConsoleClient(h.url);
    await fresh.get('/login');
    assert.equal((await fresh.post(path(link), { ...FORM, email: 'second@example.com' })).status, 404);
    assert.equal(
      await h.app.services.users.setup.open(h.url, 3_600_000),
      null,
      'no new link once a user exists',
    );
  });
});

describe('setup link expiry and binding', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite');
  });
  after(async () => h?.stop());

  test('an expired link answers 404', async () => {
    const { setup } = h.app.services.users;
    const link = (await setup.open(h.url, 60_000, Date.now() - 61_000))!;
    assert.equal((await fetch(link)).status, 404);
  });

  test('the link is bound to the host it names, and dies when a user is created another way', async () => {
    const { setup } = h.app.services.users;
    const link = (await setup.open(h.url, 3_600_000))!;
    assert.equal(await statusWithHost(link, 'rebound.example'), 404);
    assert.equal(await statusWithHost(link, new URL(h.url).host), 200);
    await h.app.services.users.create({ email: 'cli@example.com', password: 'created by the cli' });
    assert.equal((await fetch(link)).status, 404);
  });
});

describe('herald serve on a fresh install', () => {
  test('prints the API key and a setup link on the listening address; not when an admin is configured', async () => {
    const dir = createTempSqliteDir();
    const port = await freePort();
    const env = { PORT: String(port), HOST: '127.0.0.1', HERALD_DATA_DIR: dir.dir, HERALD_LOG_LEVEL: 'warn' };
    const fresh = spawnHerald(env);
    try {
      await fresh.ready;
      const out = fresh.output();
      assert.match(out, /created an admin API key/);
      const link = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})/.exec(out)?.[1];
      assert.ok(link, out);
      assert.ok(link.startsWith(`http://127.0.0.1:${port}/setup/`), link);
      assert.equal((await fetch(link)).status, 200);
    } finally {
      await stopProcess(fresh.child, 'SIGTERM');
    }
    const configured = spawnHerald({
      ...env,
      HERALD_ADMIN_EMAIL: 'op@example.com',
      HERALD_ADMIN_PASSWORD: 'operator pw 1',
    });
    try {
      await configured.ready;
      assert.doesNotMatch(configured.output(), /\/setup\//);
    } finally {
      await stopProcess(configured.child, 'SIGTERM');
      dir.cleanup();
    }
  });
});
