import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { ConsoleClient } from '../web/helpers/client.ts';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };
const HOOK = { name: 'csrf-bound', url: 'http://127.0.0.1:9/x', objects: 'project' };

describe('console CSRF tokens are bound to the session', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite', {
      HERALD_ADMIN_EMAIL: ADMIN.email,
      HERALD_ADMIN_PASSWORD: ADMIN.password,
      HERALD_TRUST_PROXY: 'true',
    });
  });
  after(async () => h?.stop());

  const hookNames = async () =>
    ((await h.api('GET', '/api/hooks')).body.data as Array<{ name: string }>).map((x) => x.name);

  test('a token and secret cookie planted from another session are refused', async () => {
    const attacker = new ConsoleClient(h.url);
    await attacker.login(ADMIN.email, ADMIN.password);
    await attacker.get('/settings/hooks/new');
    const victim = new ConsoleClient(h.url);
    await victim.login(ADMIN.email, ADMIN.password);
    await victim.get('/settings/hooks/new');
    // Cookie tossing: the victim's browser is given the attacker's CSRF secret, and the form the attacker's token.
    victim.cookies.set('herald_csrf', attacker.cookies.get('herald_csrf')!);
    const res = await victim.post('/settings/hooks/new', { ...HOOK, _csrf: attacker.csrf });
    assert.equal(res.status, 403);
    assert.ok(!(await hookNames()).includes(HOOK.name));
  });

  test("a token from before sign-in, or from the browser's previous session, no longer works", async () => {
    const c = new ConsoleClient(h.url);
    await c.get('/login');
    const anonymous = c.csrf;
    await c.post('/login', { ...ADMIN, next: '/' });
    assert.equal((await c.post('/settings/hooks/new', { ...HOOK, _csrf: anonymous })).status, 403);
    await c.get('/settings/hooks/new');
    const first = c.csrf;
    await c.post('/logout');
    await c.get('/login');
    await c.post('/login', { ...ADMIN, next: '/' });
    assert.equal((await c.post('/settings/hooks/new', { ...HOOK, _csrf: first })).status, 403);
    await c.get('/settings/hooks/new');
    const ok = await c.post('/settings/hooks/new', HOOK);
    assert.equal(ok.status, 303, 'the current session’s token works');
    assert.ok((await hookNames()).includes(HOOK.name));
  });

  test('over HTTPS (a trusted X-Forwarded-Proto) every cookie is __Host-: Secure, Path=/, no Domain', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const c = new ConsoleClient(h.url);
    const page = await c.get('/login', https);
    const res = await c.post('/login', { ...ADMIN, next: '/' }, https);
    assert.equal(res.status, 303);
    const cookies = [...page.setCookies, ...res.setCookies];
    const names = cookies.map((s) => s.slice(0, s.indexOf('=')));
    assert.ok(names.includes('__Host-herald_csrf'), names.join());
    assert.ok(names.includes('__Host-herald_session'), names.join());
    for (const line of cookies) {
      assert.match(line, /^__Host-/);
      assert.match(line, /; Path=\/(;|$)/);
      assert.match(line, /; Secure/);
      assert.doesNotMatch(line, /; Domain=/i);
    }
    assert.equal((await c.get('/settings/account', https)).status, 200, 'the __Host- session signs in');
    const plain = await c.get('/settings/account');
    assert.equal(plain.status, 303, 'over plain HTTP the __Host- cookie is not the session cookie');
  });
});
