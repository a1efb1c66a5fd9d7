import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { ConsoleClient } from '../web/helpers/client.ts';
import { ADMIN, WEB_ENV } from '../web/helpers/herald-web.ts';

/** The console's hook form offers the signature scheme; an ed25519 hook's page shows its public key only. */
describe('signature scheme in the console', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite', WEB_ENV);
  });
  after(async () => {
    await h?.stop();
  });

  test('a hook added with "Ed25519" shows its whpk_ public key, never a private key; editing switches back', async () => {
    const c = new ConsoleClient(h.url);
    await c.login(ADMIN.email, ADMIN.password);
    const form = await c.get('/settings/hooks/new');
    assert.match(form.text, /name="signatureScheme"\s+value="hmac-sha256"\s+checked/);
    assert.match(form.text, /name="signatureScheme"\s+value="ed25519"/);
    const added = await c.post('/settings/hooks/new', {
      name: 'signed',
      url: 'http://127.0.0.1:9/in',
      objects: 'site',
      signatureScheme: 'ed25519',
    });
    assert.equal(added.status, 303, added.text);
    const [hook] = (await h.api('GET', '/api/hooks')).body.data as Array<{ id: string; publicKey: string }>;
    const page = await c.get(`/settings/hooks/${hook!.id}`);
    assert.ok(page.text.includes(hook!.publicKey), 'the public key is on the page');
    assert.doesNotMatch(page.text, /whsk_|whsec_/);
    const edit = await c.get(`/settings/hooks/${hook!.id}/edit`);
    assert.match(edit.text, /name="signatureScheme"\s+value="ed25519"\s+checked/);
    await c.post(`/settings/hooks/${hook!.id}/edit`, {
      name: 'signed',
      url: 'http://127.0.0.1:9/in',
      objects: 'site',
      signatureScheme: 'hmac-sha256',
    });
    const back = await c.get(`/settings/hooks/${hook!.id}`);
    assert.match(back.text, /id="hook-secret"[^>]*>whsec_/);
    assert.match(back.text, /A previous key keeps signing too|A previous secret keeps signing too/);
  });
});
