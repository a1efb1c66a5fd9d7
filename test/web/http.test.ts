import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserService } from '../../src/services/users.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { freePort } from '../helpers/herald-process.ts';
import { ConsoleClient } from './helpers/client.ts';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };
const XSS = '<script>alert(1)</script>';

/** The opening tag of the element with this id. */
function tagOf(page: string, id: string): string {
  const m = new RegExp(`<[a-z]+\\s[^>]*\\bid="${id}"[^>]*>`, 's').exec(page);
  assert.ok(m, `no element #${id}`);
  return m[0];
}

/** An attribute of the element with this id ('' for a bare attribute, null when absent). */
function attr(page: string, id: string, name: string): string | null {
  const m = new RegExp(`\\s${name}(?:="([^"]*)")?[\\s>/]`).exec(tagOf(page, id));
  return m ? (m[1] ?? '') : null;
}

/** The text of the element with this id, tags removed and spaces collapsed. */
function text(page: string, id: string): string {
  const rest = page.slice(page.indexOf(tagOf(page, id)));
  const tag = /^<([a-z]+)/.exec(rest)![1]!;
  const inner = rest.slice(rest.indexOf('>') + 1, rest.indexOf(`</${tag}>`));
  return inner
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The console over plain HTTP: sessions, cookies, CSRF, escaping and the API left alone. */
describe('web console over HTTP', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite', {
      HERALD_ADMIN_EMAIL: ADMIN.email,
      HERALD_ADMIN_PASSWORD: ADMIN.password,
    });
  });
  after(async () => {
    await h?.stop();
  });

  const signedIn = async () => {
    const c = new ConsoleClient(h.url);
    await c.login(ADMIN.email, ADMIN.password);
    return c;
  };

  test('pages need a session: a GET is sent to sign-in and back; the sign-in page and assets are open', async () => {
    const c = new ConsoleClient(h.url);
    const res = await c.get('/settings/hooks?after=x');
    assert.equal(res.status, 303);
    assert.equal(res.location, '/login?next=%2Fsettings%2Fhooks%3Fafter%3Dx');
    assert.equal((await c.get('/login')).status, 200);
    const css = await fetch(`${h.url}/assets/console.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const login = await c.post('/login', { ...ADMIN, next: '/settings/hooks?after=x' });
    assert.equal(login.status, 303);
    assert.equal(login.location, '/settings/hooks?after=x');
    assert.equal((await c.get('/settings/hooks')).status, 200);
  });

  test('the session cookie is HttpOnly and SameSite=Lax; an untrusted X-Forwarded-Proto changes nothing', async () => {
    const plain = await signedIn();
    const http = plain.cookies.get('herald_session');
    assert.ok(http && http.length >= 40, 'a long random token');
    const c = new ConsoleClient(h.url);
    await c.get('/login');
    // Without HERALD_TRUST_PROXY the header is the client's word, not a proxy's (see test/security/console.test.ts).
    const res = await c.post('/login', { ...ADMIN, next: '/' }, { 'x-forwarded-proto': 'https' });
    const cookie = res.setCookies.find((s) => s.startsWith('herald_session='));
    assert.ok(cookie);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /; Secure/);
    const plainCookie = (await new ConsoleClient(h.url).get('/login')).setCookies.join('\n');
    assert.match(plainCookie, /herald_csrf=.*HttpOnly; SameSite=Lax/);
    assert.doesNotMatch(plainCookie, /Secure/);
  });

  test('HERALD_PUBLIC_URL on https makes every cookie Secure and __Host- named', async () => {
    // The Host header must match the public URL (DNS-rebinding defence), and fetch sends the real one.
    const port = await freePort();
    const other = await startHerald('sqlite', {
      PORT: String(port),
      HERALD_ADMIN_EMAIL: ADMIN.email,
      HERALD_ADMIN_PASSWORD: ADMIN.password,
      HERALD_PUBLIC_URL: `https://127.0.0.1:${port}`,
    });
    try {
      const c = new ConsoleClient(other.url);
      const page = await c.get('/login');
      assert.match(page.setCookies.join('\n'), /__Host-herald_csrf=.*; Path=\/; HttpOnly; Secure/);
      const res = await c.post('/login', { ...ADMIN, next: '/' });
      assert.match(res.setCookies.find((s) => s.startsWith('__Host-herald_session=')) ?? '', /; Secure/);
    } finally {
      await other.stop();
    }
  });

  test('a wrong password and an unknown email get the same answer, and guessing is throttled', async () => {
    const c = new ConsoleClient(h.url);
    await c.get('/login');
    const wrong = await c.post('/login', { email: ADMIN.email, password: 'nope nope nope', next: '/' });
    const unknown = await c.post('/login', {
      email: 'ghost@example.com',
      password: 'nope nope nope',
      next: '/',
    });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const message = /<p class="field-error"[^>]*>(.*?)<\/p>/s;
    assert.equal(message.exec(wrong.text)?.[1], message.exec(unknown.text)?.[1]);
    assert.match(wrong.text, /aria-invalid="true"/);
    assert.match(wrong.text, /<title>Error: Sign in · Herald<\/title>/);
    assert.equal(c.cookies.get('herald_session'), undefined);

    for (let i = 0; i < 10; i++)
      await c.post('/login', { email: 'victim@example.com', password: `guess ${i}`, next: '/' });
    const throttled = await c.post('/login', {
      email: 'victim@example.com',
      password: 'guess 10',
      next: '/',
    });
    assert.equal(throttled.status, 429);
    assert.match(throttled.text, /Too many failed sign-in attempts/);
  });

  test('after sign-in, next= only leads to pages of this site', async () => {
    for (const next of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const c = new ConsoleClient(h.url);
      await c.get('/login');
      const res = await c.post('/login', { ...ADMIN, next });
      assert.equal(res.location, '/', next);
    }
  });

  test("a POST without the CSRF token, or with another browser's token, is refused with 403 and changes nothing", async () => {
    const victim = await signedIn();
    const attacker = new ConsoleClient(h.url);
    await attacker.get('/login'); // the attacker's own, valid token, bound to the attacker's secret
    const form = { name: 'csrf', url: 'http://127.0.0.1:9/x', objects: 'project' };

    const noToken = await victim.request('POST', '/settings/hooks/new', form);
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /expired or was sent from another site/);
    const foreign = await victim.post('/settings/hooks/new', { ...form, _csrf: attacker.csrf });
    assert.equal(foreign.status, 403);
    const forged = await victim.post('/settings/hooks/new', { ...form, _csrf: 'forged' });
    assert.equal(forged.status, 403);
    const hooks = await h.api('GET', '/api/hooks');
    assert.ok(!hooks.body.data.some((x: { name: string }) => x.name === 'csrf'), 'no hook was created');

    await victim.get('/settings/hooks/new');
    const ok = await victim.post('/settings/hooks/new', form);
    assert.equal(ok.status, 303, "the same form with the page's token goes through");
  });

  test('the JSON API is untouched: no cookies, form bodies still refused, API keys still required', async () => {
    const res = await fetch(`${h.url}/api/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x&url=http://127.0.0.1:9/&objects=project',
    });
    assert.equal(res.status, 415);
    assert.deepEqual(res.headers.getSetCookie(), []);
    const c = await signedIn();
    const withCookie = await c.get('/api/hooks');
    assert.equal(withCookie.status, 401, 'a session cookie is not an API key');
    assert.equal((await h.api('GET', '/api/hooks')).status, 200);
    assert.equal(
      (await fetch(`${h.url}/api/nothing-here`, { headers: { authorization: `Bearer ${h.adminKey}` } }))
        .status,
      404,
    );
  });

  test('hook names, URLs and payloads are escaped wherever they are shown', async () => {
    const created = await h.api('POST', '/api/hooks', {
      name: XSS,
      url: 'http://127.0.0.1:9/"><img src=x onerror=alert(2)>',
      objects: ['project'],
    });
    assert.equal(created.status, 201);
    const published = await h.api('POST', '/api/events', {
      event: 'project.created',
      data: {
        object: 'project',
        projectID: 'p1',
        name: '</code></pre><script>alert(3)</script>',
        description: '"\'><svg onload=alert(4)>',
        dateAdded: 1,
        lastmod: 1,
        defaultItem: 1,
        apiDefaultCertainty: 0,
        apiDefaultLevel: 'AAA',
        apiDefaultPriority: 0,
        apiDefaultStore: 1,
        apiDefaultUAString: 'ua',
        apiDefaultViewportHeight: 768,
        apiDefaultViewportWidth: 1024,
      },
    });
    assert.equal(published.status, 202);
    const c = await signedIn();
    const pages = [
      '/settings/hooks',
      `/settings/hooks/${created.body.id}`,
      `/settings/hooks/${created.body.id}/edit`,
      `/settings/hooks/${created.body.id}/deliveries`,
      `/settings/hooks/${created.body.id}/delete`,
      '/events',
      `/events/${published.body.eventID}`,
      `/deliveries/${published.body.deliveries[0].id}`,
    ];
    for (const path of pages) {
      const res = await c.get(path);
      assert.equal(res.status, 200, path);
      for (const bad of ['<script>alert', '<img src=x', '<svg onload', "'><svg"])
        assert.ok(!res.text.includes(bad), `${path} contains ${bad}`);
    }
    const list = await c.get('/settings/hooks');
    assert.ok(list.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    const event = await c.get(`/events/${published.body.eventID}`);
    assert.ok(event.text.includes('&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(3)'));
  });

  test('signing out ends the session on the server, not only in the browser', async () => {
    const c = await signedIn();
    const token = c.cookies.get('herald_session')!;
    await c.get('/settings');
    const out = await c.post('/logout');
    assert.equal(out.status, 303);
    assert.equal(c.cookies.get('herald_session'), undefined);
    const replay = await fetch(`${h.url}/settings`, {
      redirect: 'manual',
      headers: { cookie: `herald_session=${token}` },
    });
    assert.equal(replay.status, 303);
  });

  test('members manage hooks but not API keys or users', async () => {
    await new UserService({ store: h.app.store }).create({
      email: 'member@example.com',
      password: 'member password',
      role: 'member',
    });
    const c = new ConsoleClient(h.url);
    await c.login('member@example.com', 'member password');
    const keys = await c.get('/settings/keys');
    assert.equal(keys.status, 200);
    assert.match(keys.text, /Only admins can create or revoke keys/);
    assert.equal((await c.post('/settings/keys', { name: 'x', role: 'admin' })).status, 403);
    assert.equal(
      (await c.post('/settings/users', { email: 'x@example.com', password: 'long enough', role: 'admin' }))
        .status,
      403,
    );
  });

  test('a key created in the console works on the API at once, and stops at once when revoked', async () => {
    const c = await signedIn();
    await c.get('/settings/keys');
    const created = await c.post('/settings/keys', { name: 'ci', role: 'member' });
    assert.equal(created.status, 201);
    const key = /<code id="new-key"[^>]*>(hk_[^<]+)<\/code>/.exec(created.text)?.[1];
    assert.ok(key);
    assert.equal((await h.api('GET', '/api/hooks', undefined, { key })).status, 200);
    assert.ok(!(await c.get('/settings/keys')).text.includes(key), 'shown only once');
    const id = /href="\/settings\/keys\/(key_[0-9a-z]+)\/revoke"/.exec(
      (await c.get('/settings/keys')).text,
    )?.[1];
    assert.ok(id);
    await c.get(`/settings/keys/${id}/revoke`);
    assert.equal((await c.post(`/settings/keys/${id}/revoke`)).status, 303);
    assert.equal((await h.api('GET', '/api/hooks', undefined, { key })).status, 401);
  });

  test('the hook form explains each problem next to its field', async () => {
    const c = await signedIn();
    await c.get('/settings/hooks/new');
    const res = await c.post('/settings/hooks/new', { name: '  ', url: 'http://10.0.0.1/x' });
    assert.equal(res.status, 400);
    assert.match(res.text, /<title>Error: Add a new Hook · Herald<\/title>/);
    assert.equal(text(res.text, 'hook-name-error'), 'Error: Enter a name for this hook');
    assert.equal(attr(res.text, 'hook-name', 'aria-describedby'), 'hook-name-hint hook-name-error');
    assert.equal(attr(res.text, 'hook-name', 'aria-invalid'), 'true');
    assert.match(
      text(res.text, 'hook-url-error'),
      /Herald may not POST to this address: Target address 10.0.0.1 is not allowed \(private\)/,
    );
    assert.equal(attr(res.text, 'hook-objects', 'aria-describedby'), 'hook-objects-hint hook-objects-error');
    assert.equal(attr(res.text, 'hook-objects-project', 'aria-invalid'), 'true');
    assert.match(res.text, /<a href="#hook-objects-project">Select at least one object/);
    const bad = await c.post('/settings/hooks/new', { name: 'x', url: 'not a url', objects: ['project'] });
    assert.match(bad.text, /Enter a valid, fully-qualified URL/);
    assert.equal(attr(bad.text, 'hook-url', 'value'), 'not a url', 'what was typed is kept');
  });

  test('moving a hook to another host on the edit form asks for its password again', async () => {
    const hook = await h.api('POST', '/api/hooks', {
      name: 'basic',
      url: 'http://127.0.0.1:9000/hook',
      objects: ['site'],
      username: 'u',
      password: 'p',
    });
    const c = await signedIn();
    await c.get(`/settings/hooks/${hook.body.id}/edit`);
    const form = { name: 'basic', objects: ['site'], events: '', username: 'u', password: '' };
    const res = await c.post(`/settings/hooks/${hook.body.id}/edit`, {
      ...form,
      url: 'http://127.0.0.2:9000/hook',
    });
    assert.equal(res.status, 400);
    assert.match(text(res.text, 'hook-password-error'), /another host: enter the password again/);
    assert.equal((await h.api('GET', `/api/hooks/${hook.body.id}`)).body.url, 'http://127.0.0.1:9000/hook');
    const same = await c.post(`/settings/hooks/${hook.body.id}/edit`, {
      ...form,
      url: 'http://127.0.0.1:9000/moved',
    });
    assert.equal(same.status, 303, 'on the same host the stored password is kept');
    assert.equal((await h.api('GET', `/api/hooks/${hook.body.id}`)).body.hasPassword, true);
  });

  test('pages are not cached and carry a Content-Security-Policy without inline script', async () => {
    const c = await signedIn();
    const res = await c.get('/settings/hooks');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch(res.text, /<script>/);
  });
});
