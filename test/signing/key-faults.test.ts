import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { secretSource } from '../../src/config.ts';
import { openStore } from '../../src/store/index.ts';
import { keyIdOf, parseKey } from '../../src/store/sealing/box.ts';
import { SEALED_COLUMNS } from '../../src/store/sealing/prepare.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { makeDelivery, makeEvent } from '../store/conformance/fixtures.ts';
import {
  freePort,
  processSetup,
  spawnHerald,
  stopProcess,
  type ProcessSetup,
} from '../helpers/herald-process.ts';
import { requirePostgres } from '../helpers/pg.ts';

/**
 * Issue 17, fault-think for the sealing key, as an operator meets it: a wrong or missing key
 * stops Herald at start with a clear message (never a Herald that sends unsigned or fails
 * each delivery), PostgreSQL processes must share one key, and `herald secret-key rotate`
 * killed midway loses nothing and finishes when run again.
 */

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

/** Runs a one-shot Herald command; resolves with its exit code and output. */
async function runCli(
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

/** Starts `serve`, expecting it to refuse: resolves with what it printed. */
async function refusesToStart(env: Record<string, string>): Promise<string> {
  const h = spawnHerald(env);
  const [code] = (await once(h.child, 'exit')) as [number | null];
  assert.equal(code, 1, h.output());
  assert.doesNotMatch(h.output(), /Listening on/);
  return h.output();
}

async function withHerald<T>(s: ProcessSetup, env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const h = spawnHerald({ ...s.env, ...env });
  try {
    await h.ready;
    return await fn();
  } finally {
    await stopProcess(h.child, 'SIGTERM');
  }
}

const keyLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));

describe('the sealing key under faults', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function hookWithSecret(s: ProcessSetup): Promise<{ id: string; secret: string }> {
    const res = await fetch(`${s.base}/api/hooks`, {
      method: 'POST',
      headers: s.headers,
      body: JSON.stringify({
        name: 'h',
        url: 'http://127.0.0.1:9/x',
        objects: ['site'],
        username: 'u',
        password: 'pw-1234',
      }),
    });
    assert.equal(res.status, 201);
    return (await res.json()) as { id: string; secret: string };
  }

  const secretOf = async (s: ProcessSetup, id: string) =>
    (
      (await (await fetch(`${s.base}/api/hooks/${id}/secret`, { headers: s.headers })).json()) as {
        secret: string;
      }
    ).secret;

  test(
    'SQLite: a wrong, missing or open-to-all key file stops start-up with a clear message',
    { timeout: 300_000 },
    async () => {
      const s = await processSetup('sqlite', cleanups);
      const dir = s.env.HERALD_DATA_DIR!;
      const file = join(dir, 'herald.key');
      const hook = await withHerald(s, {}, () => hookWithSecret(s));
      const original = readFileSync(file);

      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      assert.match(
        await refusesToStart(s.env),
        /sealed with key [0-9a-f]{12}, which the key file .* does not hold: wrong key\?/,
      );

      rmSync(file);
      assert.match(await refusesToStart(s.env), /no HERALD_SECRET_KEY and no key file/);
      assert.ok(!existsSync(file), 'no new key is made for a database that already has sealed values');

      writeFileSync(file, original, { mode: 0o644 });
      chmodSync(file, 0o644);
      assert.match(await refusesToStart(s.env), /readable by others .* chmod 600/);

      chmodSync(file, 0o600);
      assert.match(await refusesToStart({ ...s.env, HERALD_SECRET_KEY: 'not-a-key' }), /HERALD_SECRET_KEY/);
      assert.equal(await withHerald(s, {}, () => secretOf(s, hook.id)), hook.secret);
    },
  );

  test(
    'PostgreSQL: a process with another key refuses to join; one with the same key serves',
    { timeout: 300_000 },
    async () => {
      await requirePostgres();
      const s = await processSetup('postgres', cleanups);
      await withHerald(s, {}, async () => {
        const hook = await hookWithSecret(s);
        const other = {
          ...s.env,
          PORT: String(await freePort()),
          HERALD_SECRET_KEY: randomBytes(32).toString('base64'),
        };
        assert.match(
          await refusesToStart(other),
          /which HERALD_SECRET_KEY \(key [0-9a-f]{12}\) does not hold/,
        );
        const sameKey: ProcessSetup = { ...s, env: { ...s.env, PORT: String(await freePort()) } };
        sameKey.base = `http://127.0.0.1:${sameKey.env.PORT}`;
        assert.equal(await withHerald(sameKey, {}, () => secretOf(sameKey, hook.id)), hook.secret);
      });
    },
  );

  test(
    'PostgreSQL: rotating with HERALD_SECRET_KEY and HERALD_SECRET_KEY_PREVIOUS; then the old key alone is refused',
    { timeout: 300_000 },
    async () => {
      await requirePostgres();
      const s = await processSetup('postgres', cleanups);
      const oldKey = s.env.HERALD_SECRET_KEY!;
      const hook = await withHerald(s, {}, () => hookWithSecret(s));
      const newKey = randomBytes(32).toString('base64');
      const rotating = { HERALD_SECRET_KEY: newKey, HERALD_SECRET_KEY_PREVIOUS: oldKey };
      // Mid-rotation, processes given both keys serve.
      assert.equal(await withHerald(s, rotating, () => secretOf(s, hook.id)), hook.secret);
      const run = await runCli({ ...s.env, ...rotating }, ['secret-key', 'rotate']);
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /remove HERALD_SECRET_KEY_PREVIOUS/);
      assert.equal(
        await withHerald(s, { HERALD_SECRET_KEY: newKey }, () => secretOf(s, hook.id)),
        hook.secret,
      );
      assert.match(
        await refusesToStart({ ...s.env, HERALD_SECRET_KEY: oldKey }),
        /does not hold: wrong key\?/,
      );
    },
  );

  test(
    'SQLite: `secret-key rotate` killed midway loses nothing, and a second run finishes it',
    { timeout: 300_000 },
    async () => {
      const s = await processSetup('sqlite', cleanups);
      const dir = s.env.HERALD_DATA_DIR!;
      const file = join(dir, 'herald.key');
      const hook = await withHerald(s, {}, () => hookWithSecret(s));
      // Enough sealed values (reporter targets) that the rotation takes many batches.
      const store = await openStore({
        dataDir: dir,
        secrets: secretSource({ secretKey: null, secretKeyPrevious: [], dataDir: dir }),
      });
      await store.migrate();
      const event = makeEvent(DEFAULT_TENANT_ID);
      const target = {
        url: 'http://127.0.0.1:9/r',
        password: 'reporter-pw',
        secret: 'reporter-key',
        signatureStyle: 'usetrace' as const,
      };
      const deliveries = Array.from({ length: 20_000 }, () =>
        makeDelivery(event, null, { target, status: 'failed', nextAttemptAt: null }),
      );
      await store.insertEvents([{ event, deliveries }]);
      await store.close();
      const [oldKey] = keyLines(file);

      const child = spawn(process.execPath, [CLI, 'secret-key', 'rotate'], {
        env: { ...process.env, ...s.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('sealed ')) resolve();
        });
        child.once('exit', () => reject(new Error(`rotate ended before a batch: ${out}`)));
      });
      await stopProcess(child, 'SIGKILL');
      const mid = keyLines(file);
      assert.equal(mid.length, 2, 'killed midway: the file holds the new key and the old one');
      assert.equal(mid[1], oldKey);
      const newId = keyIdOf(parseKey(mid[0]!, 'new'));
      const oldId = keyIdOf(parseKey(oldKey!, 'old'));
      const kids = sealedKeyIds(join(dir, 'herald.db'));
      assert.ok(
        kids.has(newId) && kids.has(oldId),
        `values under both keys mid-rotation: ${[...kids].join(', ')}`,
      );

      // Herald runs on the half-rotated database, and reads every secret.
      assert.equal(await withHerald(s, {}, () => secretOf(s, hook.id)), hook.secret);

      const second = await runCli(s.env, ['secret-key', 'rotate']);
      assert.equal(second.code, 0, second.out);
      assert.match(second.out, /rotated: \d+ values sealed with the new key/);
      assert.deepEqual(keyLines(file), [mid[0]], 'the second run finished the rotation begun by the first');
      assert.deepEqual([...sealedKeyIds(join(dir, 'herald.db'))], [newId]);
      assert.equal(await withHerald(s, {}, () => secretOf(s, hook.id)), hook.secret);
    },
  );
});

/** The key ids of every sealed value in the file, read as an outsider would (no key needed). */
function sealedKeyIds(file: string): Set<string> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const ids = new Set<string>();
    for (const { table, column } of SEALED_COLUMNS)
      for (const r of db.prepare(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL`).all()) {
        const m = /^hs1\.([0-9a-f]{12})\./.exec(String(r['v']));
        ids.add(m ? m[1]! : 'plain');
      }
    return ids;
  } finally {
    db.close();
  }
}
