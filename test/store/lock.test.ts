import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { T0 } from './conformance/fixtures.ts';
import { testSecrets } from '../helpers/secrets.ts';

const HOLDER = new URL('./fixtures/hold-store.ts', import.meta.url).pathname;

describe('SQLite data directory ownership', () => {
  const tmp = createTempSqliteDir();
  after(() => tmp.cleanup());

  test('a second open of the same data dir fails at once, naming the owner', async () => {
    const dir = `${tmp.dir}/twice`;
    const first = await openStore({ dataDir: dir, secrets: testSecrets(dir) });
    try {
      const started = Date.now();
      await assert.rejects(
        openStore({ dataDir: dir, secrets: testSecrets(dir) }),
        new RegExp(`is in use by another Herald process \\(pid ${process.pid}\\)`),
      );
      assert.ok(Date.now() - started < 1000, 'fails fast, without waiting for a busy timeout');
    } finally {
      await first.close();
    }
    const again = await openStore({ dataDir: dir, secrets: testSecrets(dir) });
    await again.close();
  });

  test("a SIGKILLed owner's lock vanishes and its leases resume at once on reopen", async () => {
    const dir = `${tmp.dir}/killed`;
    const child = spawn(process.execPath, [HOLDER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    try {
      let out = '';
      for await (const chunk of child.stdout) {
        out += String(chunk);
        if (out.includes('\n')) break;
      }
      assert.equal(out.trim(), 'ready 1 2', 'the child leased one delivery and two runs');
      await assert.rejects(
        openStore({ dataDir: dir, secrets: testSecrets(dir) }),
        new RegExp(`is in use by another Herald process \\(pid ${child.pid}\\)`),
      );
    } finally {
      child.kill('SIGKILL');
    }
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');

    let store: Store | undefined;
    try {
      store = await openStore({ dataDir: dir, secrets: testSecrets(dir) });
      await store.migrate();
      // The child's leases ran for ten minutes; after the reopen they are free now.
      const claimed = await store.claimDue({ now: T0 + 1, limit: 10, leaseMs: 1000, owner: 'heir' });
      assert.equal(claimed.length, 1);
      const runs = await store.builds.claimRuns({ now: T0 + 1, limit: 10, leaseMs: 1000, owner: 'heir' });
      assert.equal(runs.length, 2);
      assert.ok(runs.every((r) => r.run.attempts === 2));
    } finally {
      await store?.close();
    }
  });
});
