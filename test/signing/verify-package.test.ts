import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import {
  verifyUsetraceSignature,
  verifyWebhook,
  WebhookVerificationError,
} from '../../packages/verify/src/index.ts';

/**
 * The verifier package (issue 17): built to .js plus .d.ts, installed from its path into a
 * fresh project by Node 20's npm, imported by a plain-JavaScript receiver under Node 20, and
 * verifying real deliveries of a running Herald: v1 (HMAC), v1a (ed25519) and the Usetrace
 * `Signature` header. Plus the cases a receiver must refuse, on the package's source.
 */

const exec = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const PACKAGE = join(ROOT, 'packages/verify');
const NODE20 = '/usr/bin/node';
const NPM20 = realpathSync('/usr/bin/npm');

const RECEIVER = `
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { verifyWebhook, verifyUsetraceSignature, WebhookVerificationError } from 'herald-verify';

http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const keys = JSON.parse(readFileSync(process.env.KEYS_FILE, 'utf8'));
  try {
    const event = req.url === '/usetrace'
      ? verifyUsetraceSignature(keys[req.url], req.headers, body)
      : verifyWebhook(keys[req.url], req.headers, body);
    console.log(JSON.stringify({ path: req.url, ok: true, node: process.version, event }));
    res.writeHead(204).end();
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    console.log(JSON.stringify({ path: req.url, ok: false, error: err.message }));
    res.writeHead(400).end(err.message);
  }
}).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ port: this.address().port })); });
`;

describe('herald-verify, built and installed into a Node 20 project', () => {
  let dir: string;
  let h: TestHerald;
  let rx: ChildProcess;
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'herald-verify-'));
    await exec(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(PACKAGE, 'tsconfig.json'),
    ]);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'receiver', private: true, type: 'module' }),
    );
    // Node 20's own npm, offline: the package has no dependencies to fetch.
    await exec(
      NODE20,
      [NPM20, 'install', '--offline', '--no-audit', '--no-fund', '--install-links', PACKAGE],
      {
        cwd: dir,
        env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}` },
      },
    );
    writeFileSync(join(dir, 'receiver.mjs'), RECEIVER);
    h = await startHerald('sqlite');
  });
  after(async () => {
    if (rx && rx.exitCode === null) {
      rx.kill();
      await once(rx, 'exit');
    }
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the installed package holds .js and .d.ts and nothing else of the repository', () => {
    const installed = join(dir, 'node_modules/herald-verify');
    assert.ok(!lstatSync(installed).isSymbolicLink(), 'installed as a copy, as from a registry');
    const types = readFileSync(join(installed, 'dist/index.d.ts'), 'utf8');
    assert.match(types, /export declare function verifyWebhook\(/);
    assert.match(types, /export declare function verifyUsetraceSignature\(/);
    assert.match(readFileSync(join(installed, 'dist/index.js'), 'utf8'), /export function verifyWebhook/);
    assert.deepEqual(
      JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).dependencies,
      undefined,
    );
  });

  test(
    'a Node 20 receiver verifies v1, v1a and Usetrace deliveries from a running Herald',
    { timeout: 120_000 },
    async () => {
      const keysFile = join(dir, 'keys.json');
      writeFileSync(keysFile, '{}');
      rx = spawn(NODE20, ['receiver.mjs'], {
        cwd: dir,
        env: { ...process.env, KEYS_FILE: keysFile },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      createInterface({ input: rx.stdout! }).on('line', (l) => {
        lines.push(JSON.parse(l) as Record<string, unknown>);
        for (const w of waiters.splice(0)) w();
      });
      const until = async (pred: () => boolean) => {
        while (!pred()) await new Promise<void>((r) => waiters.push(r));
      };
      await until(() => lines.some((l) => 'port' in l));
      const url = `http://127.0.0.1:${String(lines.find((l) => 'port' in l)!.port)}`;

      const hmac = await h.api('POST', '/api/hooks', { name: 'v1', url: `${url}/hmac`, objects: ['site'] });
      const ed = await h.api('POST', '/api/hooks', {
        name: 'v1a',
        url: `${url}/ed`,
        objects: ['site'],
        signatureScheme: 'ed25519',
      });
      const usetraceKey = 'reporter secret key, not a whsec_';
      writeFileSync(
        keysFile,
        JSON.stringify({ '/hmac': hmac.body.secret, '/ed': ed.body.publicKey, '/usetrace': usetraceKey }),
      );

      const site = {
        object: 'site',
        name: 'verified',
        siteKey: 'k',
        projectID: 'p',
        siteUrl: 'http://www.example.com',
      };
      assert.equal((await h.api('POST', '/api/events', { event: 'site.created', data: site })).status, 202);
      await h.app.publisher.publishToTargets(DEFAULT_TENANT_ID, {
        event: 'build.report',
        payload: JSON.stringify({ name: 'Environment: http://www.example.com/', buildStable: true }),
        targets: [{ url: `${url}/usetrace`, secret: usetraceKey, signatureStyle: 'usetrace' }],
      });

      await until(() => ['/hmac', '/ed', '/usetrace'].every((p) => lines.some((l) => l.path === p)));
      for (const p of ['/hmac', '/ed', '/usetrace']) {
        const line = lines.find((l) => l.path === p)!;
        assert.equal(line.ok, true, `${p}: ${String(line.error)}`);
        assert.match(String(line.node), /^v20\./);
      }
      assert.equal(
        (lines.find((l) => l.path === '/ed')!.event as { data: { name: string } }).data.name,
        'verified',
      );
    },
  );

  test('herald/verify still resolves, to the same module', async () => {
    const viaExports = (await import('herald/verify' as string)) as { verifyWebhook: unknown };
    assert.equal(viaExports.verifyWebhook, verifyWebhook);
  });
});

describe('herald-verify refuses what it must', () => {
  const body = '{"eventID":"e1","event":"site.created","dateAdded":1,"data":{}}';
  const now = 1_700_000_000_000;
  const ts = String(now / 1000);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519').publicKey;
  const whpk = (k: typeof publicKey) =>
    `whpk_${Buffer.from(k.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;
  const v1a = `v1a,${sign(null, Buffer.from(`msg_1.${ts}.${body}`), privateKey).toString('base64')}`;
  const headers = (signature: string) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': ts,
    'webhook-signature': signature,
  });

  test('v1a: the right key passes; another key, a changed body or an HMAC-only header fails', () => {
    assert.deepEqual(verifyWebhook(whpk(publicKey), headers(v1a), body, { now }), JSON.parse(body));
    assert.deepEqual(
      verifyWebhook([whpk(other), whpk(publicKey)], headers(`v1,${'A'.repeat(43)}= ${v1a}`), body, { now }),
      JSON.parse(body),
    );
    assert.throws(() => verifyWebhook(whpk(other), headers(v1a), body, { now }), /No matching signature/);
    assert.throws(
      () => verifyWebhook(whpk(publicKey), headers(v1a), body.replace('e1', 'e2'), { now }),
      WebhookVerificationError,
    );
    assert.throws(
      () => verifyWebhook(whpk(publicKey), headers(`v1,${'A'.repeat(43)}=`), body, { now }),
      /No v1a signature/,
    );
    assert.throws(() => verifyWebhook('whpk_short', headers(v1a), body, { now }), /must be 32 bytes/);
  });

  test('Usetrace: sha256=<hex> of the body with the secretKey; anything else fails', () => {
    const mac = createHmac('sha256', 'k3y').update(body).digest('hex');
    assert.deepEqual(
      verifyUsetraceSignature('k3y', { Signature: `sha256=${mac}` }, Buffer.from(body)),
      JSON.parse(body),
    );
    assert.throws(
      () => verifyUsetraceSignature('other', { signature: `sha256=${mac}` }, body),
      /does not match/,
    );
    assert.throws(() => verifyUsetraceSignature('k3y', { signature: mac }, body), /expected sha256=/);
    assert.throws(() => verifyUsetraceSignature('k3y', {}, body), /Missing required header Signature/);
  });
});
