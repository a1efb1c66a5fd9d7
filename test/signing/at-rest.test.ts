import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApp, type App } from '../../src/app.ts';
import { loadConfig, secretSource } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/index.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { makeBuild } from '../builds/store-conformance/fixtures.ts';
import { makeHook } from '../store/conformance/fixtures.ts';
import { createTestDatabase, requirePostgres, type TestDatabase } from '../helpers/pg.ts';
import { createTempSqliteDir, type TempSqliteDir } from '../helpers/sqlite.ts';

/**
 * Issue 17, must show 8 (second bullet): no secret, password or private key appears in plain
 * text in a dump of either database — the SQLite file's bytes (with its WAL), `pg_dump` —
 * and a database written before sealing existed is sealed on upgrade.
 */

const exec = promisify(execFile);
const secret = (what: string) => `${what}-${randomBytes(9).toString('hex')}`;

interface Place {
  env: Record<string, string>;
  dataDir: string;
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

async function place(backend: 'sqlite' | 'postgres'): Promise<Place> {
  if (backend === 'sqlite') {
    const dir: TempSqliteDir = createTempSqliteDir();
    return {
      env: { HERALD_DATA_DIR: dir.dir },
      dataDir: dir.dir,
      // Every byte on disk: the database file and its write-ahead log.
      dump: async () =>
        ['herald.db', 'herald.db-wal']
          .map((f) => join(dir.dir, f))
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f).toString('latin1'))
          .join('\n'),
      cleanup: async () => dir.cleanup(),
    };
  }
  await requirePostgres();
  const db: TestDatabase = await createTestDatabase();
  return {
    env: { DATABASE_URL: db.url, HERALD_SECRET_KEY: randomBytes(32).toString('base64') },
    dataDir: '/nonexistent',
    dump: async () => (await exec('pg_dump', ['--no-owner', db.url], { maxBuffer: 64 << 20 })).stdout,
    cleanup: () => db.drop(),
  };
}

function configFor(p: Place, adminKey: string) {
  return loadConfig(
    {},
    {
      PORT: '0',
      HOST: '127.0.0.1',
      HERALD_DATA_DIR: p.dataDir,
      HERALD_ADMIN_KEY: adminKey,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LOG_LEVEL: 'silent',
      HERALD_SQLITE_SYNCHRONOUS: 'NORMAL',
      ...p.env,
    },
  );
}

async function api(app: App, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function assertNoneIn(dump: string, secrets: Record<string, string>): void {
  for (const [what, value] of Object.entries(secrets))
    assert.ok(!dump.includes(value), `${what} (${value}) appears in plain text in the dump`);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`secrets at rest on ${backend}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    test('a dump of the database shows no secret, password or private key', async () => {
      const p = await place(backend);
      cleanups.push(p.cleanup);
      const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
      const config = configFor(p, adminKey);
      let app = await startApp(config, createLogger('silent'));
      const stopApp = () => app.stop();
      cleanups.push(stopApp);
      const s: Record<string, string> = {
        hookPassword: secret('hook-password'),
        reporterPassword: secret('reporter-password'),
        reporterKey: secret('reporter-key'),
        buildReporterKey: secret('build-secret-key'),
        buildReporterPassword: secret('build-password'),
        callbackAuthorization: secret('callback-token'),
      };

      const hmac = await api(app, adminKey, 'POST', '/api/hooks', {
        name: 'hmac',
        url: 'http://127.0.0.1:9/a',
        objects: ['site'],
        username: 'alice',
        password: s.hookPassword,
      });
      assert.equal(hmac.status, 201);
      s.hookSecret = hmac.body.secret as string;
      const rotated = await api(app, adminKey, 'POST', `/api/hooks/${String(hmac.body.id)}/rotate-secret`);
      s.currentHookSecret = rotated.body.secret as string;
      const ed = await api(app, adminKey, 'POST', '/api/hooks', {
        name: 'ed',
        url: 'http://127.0.0.1:9/b',
        objects: ['site'],
        signatureScheme: 'ed25519',
      });
      const tenantId = DEFAULT_TENANT_ID;
      const edHook = await app.store.getHook(tenantId, String(ed.body.id));
      s.privateKey = edHook!.secret.slice('whsk_'.length);
      assert.equal(edHook!.publicKey, ed.body.publicKey);
      await app.publisher.publishToTargets(tenantId, {
        event: 'build.report',
        payload: '{}',
        targets: [
          {
            url: 'http://127.0.0.1:9/r',
            username: 'bob',
            password: s.reporterPassword,
            secret: s.reporterKey,
            signatureStyle: 'usetrace',
          },
        ],
      });
      await app.stop();

      // A build's reporters and a Tenon run's callback headers, written by Herald's store.
      const store = await openStore({ ...storeOpts(config), secrets: secretSource(config) });
      await store.migrate();
      const build = makeBuild(tenantId, {
        reporters: [
          {
            url: 'http://127.0.0.1:9/w',
            when: 'always',
            secretKey: s.buildReporterKey!,
            username: 'carol',
            password: s.buildReporterPassword!,
          },
        ],
      });
      await store.builds.createBuild(build, []);
      const callback = {
        url: 'http://127.0.0.1:9/cb',
        method: 'POST',
        headers: { Authorization: `Bearer ${s.callbackAuthorization}` },
      };
      await store.testRuns.createRun({
        id: `trun_${randomUUID()}`,
        tenantId,
        responseID: randomUUID(),
        projectID: randomUUID(),
        siteKey: null,
        slot: null,
        url: null,
        async: true,
        request: { src: '<p>hi</p>', callback },
        eventId: randomUUID(),
        callbackEventId: randomUUID(),
        createdAt: Date.now(),
      });
      await store.close();

      const dump = await p.dump();
      assert.ok(
        dump.includes(String(ed.body.publicKey).slice(5)),
        'the dump holds the rows (the public key is not secret)',
      );
      assert.match(dump, /hs1\.[0-9a-f]{12}\./, 'sealed values are in the dump');
      assertNoneIn(dump, s);
      if (backend === 'sqlite') assert.equal(statSync(join(p.dataDir, 'herald.key')).mode & 0o777, 0o600);

      // Herald reads them all back after a restart.
      app = await startApp(config, createLogger('silent'));
      const back = await api(app, adminKey, 'GET', `/api/hooks/${String(hmac.body.id)}/secret`);
      assert.equal(back.body.secret, s.currentHookSecret);
      const again = await app.store.getHook(tenantId, String(hmac.body.id));
      assert.equal(again!.password, s.hookPassword);
      assert.equal(again!.oldSecrets[0]!.secret, s.hookSecret);
      assert.deepEqual((await app.store.builds.getBuild(tenantId, build.id))!.reporters, build.reporters);
      await app.stop();
    });

    test('values written before sealing existed are sealed on upgrade', async () => {
      const p = await place(backend);
      cleanups.push(p.cleanup);
      const adminKey = `hk_test_${randomBytes(16).toString('hex')}`;
      const config = configFor(p, adminKey);
      // As an older Herald left it: migrated, secrets in plain text (a store without a key).
      const legacy =
        backend === 'sqlite'
          ? new SqliteStore({ file: join(p.dataDir, 'herald.db') })
          : await openBare(config.databaseUrl!);
      await legacy.migrate();
      const tenant = {
        id: `t_${randomBytes(6).toString('hex')}` as never,
        name: 'old',
        createdAt: Date.now(),
      };
      await legacy.createTenant(tenant);
      const old = { password: secret('old-password'), secret: `whsec_${randomBytes(24).toString('base64')}` };
      const hook = makeHook(tenant.id, { password: old.password, username: 'u', secret: old.secret });
      await legacy.createHook(hook);
      await legacy.close();
      assert.ok(
        (await p.dump()).includes(old.password),
        'the legacy dump shows the password (the setup is real)',
      );

      const app = await startApp(config, createLogger('silent'));
      cleanups.push(() => app.stop());
      assert.equal((await app.store.getHook(tenant.id, hook.id))!.secret, old.secret);
      await app.stop();
      assertNoneIn(await p.dump(), old);
    });
  });
}

function storeOpts(c: ReturnType<typeof loadConfig>) {
  return { databaseUrl: c.databaseUrl ?? undefined, dataDir: c.dataDir };
}

async function openBare(url: string) {
  const { PostgresStore } = await import('../../src/store/postgres/store.ts');
  return new PostgresStore({ connectionString: url });
}
