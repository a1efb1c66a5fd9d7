/**
 * Issue 15, "slot crash": a worker is killed between claiming a monitor slot and queuing its
 * runs. The slot is a leased run of the run engine, so another worker drives it again once the
 * dead one's heartbeat is stale, and its pages' runs happen once.
 *
 * The window is made from the outside, on PostgreSQL: the test holds an EXCLUSIVE lock on
 * `test_runs`, so worker A claims the slot and then waits on its first page's INSERT; the test
 * sees that wait in pg_stat_activity, kills A, lets the lock go and starts worker B.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { FixtureSite } from '../builds/helpers/fixture-site.ts';
import {
  type HeraldProcess,
  killHard,
  processSetup,
  spawnHerald,
  stopProcess,
} from '../helpers/herald-process.ts';
import { requirePostgres } from '../helpers/pg.ts';
import { Receiver } from '../helpers/receiver.ts';
import { apiOf, eventsOf, until } from './runs-helpers.ts';

describe('run engine: a worker killed between claiming a monitor slot and queuing its runs', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('another worker drives the slot; its runs happen once', { timeout: 180_000 }, async (t) => {
    await requirePostgres();
    const site = await FixtureSite.start();
    cleanups.push(() => site.close());
    const { env, base, headers } = await processSetup('postgres', cleanups, {
      HERALD_MONITOR_TICK_MS: '200',
    });
    const start = async (): Promise<HeraldProcess> => {
      const p = spawnHerald(env);
      cleanups.push(() => stopProcess(p.child, 'SIGKILL'));
      await p.ready;
      return p;
    };
    const api = apiOf(base, headers);
    const a = await start();
    const rx = await Receiver.start();
    cleanups.push(() => rx.close());
    const hook = await api.call('POST', '/api/hooks', {
      name: 'runs',
      url: `${rx.url}/hooks`,
      objects: ['apiLog'],
    });
    assert.equal(hook.status, 201, hook.text);

    const lock = new pg.Client({ connectionString: env.DATABASE_URL });
    await lock.connect();
    cleanups.push(() => lock.end());
    const watch = new pg.Client({ connectionString: env.DATABASE_URL });
    await watch.connect();
    cleanups.push(() => watch.end());
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE test_runs IN EXCLUSIVE MODE');

    const project = await api.call('POST', '/api/projects', { name: 'Monitored' });
    assert.equal(project.status, 201, project.text);
    const created = await api.call('POST', '/api/sites', {
      name: 'Fixture',
      projectID: project.body.projectID,
      siteUrl: `${site.url}/`,
      paths: ['/toggle'],
      intervalSec: 3600,
    });
    assert.equal(created.status, 201, created.text);
    const siteKey = created.body.siteKey as string;

    // A claimed the slot and leased it, and waits on the lock to queue its first page.
    await until(
      async () => {
        const slot = await watch.query(`SELECT 1 FROM monitor_slots WHERE status = 'running'`);
        const waiting = await watch.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO test_runs%'`,
        );
        return slot.rowCount === 1 && waiting.rowCount! > 0;
      },
      "A's slot to wait on queuing its pages",
      60_000,
    );
    await killHard(a);
    await lock.query('ROLLBACK');
    const b = await start();
    const restartedAt = Date.now();

    const slot = await until(
      async () => {
        const r = await watch.query(`SELECT status, attempts, response_ids FROM monitor_slots`);
        return r.rows[0]?.status === 'done' ? r.rows[0] : null;
      },
      'the slot to be driven again',
      60_000,
    );
    t.diagnostic(`slot done ${Date.now() - restartedAt} ms after B was ready`);
    assert.equal(slot.attempts, 2);
    assert.equal(JSON.parse(slot.response_ids).length, 2);
    const runs = await until(
      async () => {
        const res = await api.call('GET', `/api/test-runs?siteKey=${siteKey}&limit=100`);
        const data = res.body.data as Array<{ url: string; status: string }>;
        return data.length === 2 && data.every((r) => r.status === 'done') ? data : null;
      },
      "the slot's runs to be done",
      60_000,
    );
    assert.deepEqual(runs.map((r) => r.url).sort(), [`${site.url}/`, `${site.url}/toggle`]);
    // Each page was tested once, and announced once.
    assert.equal(site.paths.filter((p) => p === '/').length, 1);
    assert.equal(site.paths.filter((p) => p === '/toggle').length, 1);
    await rx.waitFor(2, (r) => r.path === '/hooks', 30_000);
    assert.equal(await eventsOf(api, 'apiLog.created'), 2);
    const slots = await watch.query('SELECT count(*)::int AS n FROM monitor_slots');
    assert.equal(slots.rows[0].n, 1);
    await stopProcess(b.child, 'SIGTERM');
  });
});
