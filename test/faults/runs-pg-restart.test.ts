/**
 * Issue 15, "PostgreSQL restart": the server restarts while Tenon test runs and builds are
 * queued and running (their pages held, so some are mid-run). Herald runs as its own process on
 * a private cluster (the shared server is never restarted), with default lease settings. The
 * process lives, and every accepted run and build finishes: a result the database could not
 * take (the pages answer while the server is down) is recorded once it is back, the run engine
 * retrying it under its lease.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { FixtureSite } from '../builds/helpers/fixture-site.ts';
import { freePort, spawnHerald, stopProcess } from '../helpers/herald-process.ts';
import { startPgCluster } from '../helpers/pg-cluster.ts';
import { Receiver } from '../helpers/receiver.ts';
import { apiOf, buildStatus, startBuild, startTestRun, testRunStatus, until } from './runs-helpers.ts';

const RUNS = 4;
const BUILDS = 3;

describe('run engine: PostgreSQL restarts while test runs and builds run', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('the process lives and every accepted run and build finishes', { timeout: 180_000 }, async (t) => {
    const cluster = await startPgCluster();
    cleanups.push(() => cluster.destroy());
    const site = await FixtureSite.start();
    cleanups.push(() => site.close());
    const rx = await Receiver.start();
    cleanups.push(() => rx.close());
    const port = await freePort();
    const key = `hk_runs_${randomBytes(12).toString('hex')}`;
    const herald = spawnHerald({
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: cluster.url,
      HERALD_ADMIN_KEY: key,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LOG_LEVEL: 'warn',
    });
    cleanups.push(() => stopProcess(herald.child, 'SIGKILL'));
    await herald.ready;
    const api = apiOf(`http://127.0.0.1:${port}`, {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    });

    site.holding = true;
    const runs: string[] = [];
    const builds: string[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await startTestRun(api, `${site.url}/hold?run=${i}`));
    for (let i = 0; i < BUILDS; i++)
      builds.push(await startBuild(api, site.url, '/hold', `${rx.url}/reporter`));
    // Pages are loading (two runs of each kind at once by default), the rest queued.
    await until(async () => site.paths.filter((p) => p === '/hold').length >= 3, 'pages to be held', 60_000);
    // The server goes away; the held pages answer meanwhile, so finished runs meet no database.
    await cluster.stop();
    site.release();
    await until(
      async () => herald.output().includes('recording a run failed'),
      'a result to wait for the database',
      60_000,
    );
    await cluster.start();

    const finished = async () => {
      const r = await Promise.all(runs.map((id) => testRunStatus(api, id).catch(() => null)));
      const b = await Promise.all(builds.map((id) => buildStatus(api, id).catch(() => null)));
      return (
        r.every((x) => x?.status === 'done' || x?.status === 'failed') && b.every((s) => s === 'FINISHED')
      );
    };
    await until(finished, 'every run and build to finish', 120_000);
    assert.ok(herald.alive(), 'the process died');
    const reports = await rx.waitFor(BUILDS, (r) => r.path === '/reporter', 60_000);
    t.diagnostic(`${RUNS} runs done, ${BUILDS} builds finished, ${reports.length} reports`);
    assert.ok(herald.alive(), 'the process died');
  });
});
