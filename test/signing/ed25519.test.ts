import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { Receiver, type Received } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { requirePostgres } from '../helpers/pg.ts';

/**
 * Issue 17, must show 5: a hook with `signatureScheme: "ed25519"` signs `v1a,` signatures that
 * verify with node:crypto and nothing but the published `whpk_` key, and across a rotation
 * both keys sign until the old one's grace runs out.
 */

/** The receiver's check, written from the Standard Webhooks spec with node:crypto alone. */
function v1aVerifies(publicKey: string, r: Received): boolean {
  assert.ok(publicKey.startsWith('whpk_'), publicKey);
  const raw = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  assert.equal(raw.length, 32);
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  const signed = Buffer.from(`${r.headers['webhook-id']}.${r.headers['webhook-timestamp']}.${r.body}`);
  return signatures(r, 'v1a').some((sig) => verify(null, signed, key, sig));
}

function signatures(r: Received, version: string): Buffer[] {
  return String(r.headers['webhook-signature'])
    .split(' ')
    .filter((p) => p.startsWith(`${version},`))
    .map((p) => Buffer.from(p.slice(version.length + 1), 'base64'));
}

const site = { object: 'site', name: 's', siteKey: 'k1', projectID: 'p1', siteUrl: 'http://www.example.com' };

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`ed25519 signatures on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      h = await startHerald(backend, { HERALD_SECRET_GRACE_SEC: '3600' });
      rx = await Receiver.start();
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
    });

    const publish = async (name: string, path: string) => {
      const res = await h.api('POST', '/api/events', { event: 'site.created', data: { ...site, name } });
      assert.equal(res.status, 202, res.text);
      return (await rx.waitFor(1, (r) => r.path === path && r.body.includes(`"name":"${name}"`)))[0]!;
    };

    test('v1a verifies with node:crypto and the published key, and across a rotation', async () => {
      const created = await h.api('POST', '/api/hooks', {
        name: 'ed',
        url: `${rx.url}/ed`,
        objects: ['site'],
        signatureScheme: 'ed25519',
      });
      assert.equal(created.status, 201, created.text);
      const hook = created.body as {
        id: string;
        publicKey: string;
        signatureScheme: string;
        secret?: string;
      };
      assert.equal(hook.signatureScheme, 'ed25519');
      assert.equal(hook.secret, undefined, 'the private key is never shown');
      assert.doesNotMatch(created.text, /whsk_/);
      for (const path of [`/api/hooks/${hook.id}`, '/api/hooks', `/api/hooks/${hook.id}/secret`]) {
        const res = await h.api('GET', path);
        assert.match(res.text, new RegExp(hook.publicKey.replace(/[+/]/g, '\\$&')), path);
        assert.doesNotMatch(res.text, /whsk_/, path);
      }

      const first = await publish('before-rotation', '/ed');
      assert.deepEqual(signatures(first, 'v1'), [], 'an ed25519 hook sends no v1 signature');
      assert.equal(signatures(first, 'v1a').length, 1);
      assert.ok(v1aVerifies(hook.publicKey, first));

      const rotated = await h.api('POST', `/api/hooks/${hook.id}/rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      const { publicKey: next, previous } = rotated.body as {
        publicKey: string;
        previous: Array<{ publicKey: string; expiresAt: number }>;
      };
      assert.notEqual(next, hook.publicKey);
      assert.deepEqual(
        previous.map((p) => p.publicKey),
        [hook.publicKey],
      );
      assert.doesNotMatch(rotated.text, /whsk_/);

      const during = await publish('during-rotation', '/ed');
      assert.equal(signatures(during, 'v1a').length, 2, 'both keys sign during the overlap');
      assert.ok(v1aVerifies(next, during), 'the new key verifies');
      assert.ok(v1aVerifies(hook.publicKey, during), 'the old key still verifies');
      const tampered = { ...during, body: during.body.replace('during', 'dUring') };
      assert.ok(!v1aVerifies(next, tampered) && !v1aVerifies(hook.publicKey, tampered));
    });

    test('switching scheme rotates: v1 and v1a both sign during the overlap', async () => {
      const created = await h.api('POST', '/api/hooks', {
        name: 'h',
        url: `${rx.url}/sw`,
        objects: ['site'],
      });
      const hook = created.body as { id: string; secret: string; signatureScheme: string; publicKey: null };
      assert.equal(hook.signatureScheme, 'hmac-sha256');
      assert.equal(hook.publicKey, null);
      const patched = await h.api('PATCH', `/api/hooks/${hook.id}`, { signatureScheme: 'ed25519' });
      assert.equal(patched.status, 200, patched.text);
      const publicKey = (patched.body as { publicKey: string }).publicKey;
      const r = await publish('switched', '/sw');
      assert.equal(signatures(r, 'v1').length, 1, 'the old HMAC secret keeps signing');
      assert.ok(v1aVerifies(publicKey, r));
      const bad = await h.api('PATCH', `/api/hooks/${hook.id}`, { signatureScheme: 'rsa' });
      assert.equal(bad.status, 400, bad.text);
    });
  });
}
