/**
 * Issue 15, "SQLite kill" and "PostgreSQL kill": a Herald process is SIGKILLed while a Tenon
 * test run's page, or a build's, is loading, with default lease settings (5 min).
 *
 * SQLite: the restarted process owns the file and releases every leased table on open, so the
 * run is done (the build FINISHED) within 30 s of the restart, announced once.
 * PostgreSQL: a second process B finishes the run within 45 s: the run engines heartbeat in
 * `workers` as the delivery worker does, so A's leases are taken once its heartbeat is stale
 * (15 s), not once they expire.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { FixtureSite } from '../builds/helpers/fixture-site.ts';
import {
  freePort,
  killHard,
  processSetup,
  spawnHerald,
  stopProcess,
  type HeraldProcess,
} from '../helpers/herald-process.ts';
import { requirePostgres } from '../helpers/pg.ts';
import { Receiver } from '../helpers/receiver.ts';
import {
  apiOf,
  buildStatus,
  eventsOf,
  heldOrEnded,
  startBuild,
  startTestRun,
  testRunStatus,
  until,
  type Api,
} from './runs-helpers.ts';

const LIMIT = { sqlite: 30_000, postgres: 45_000 } as const;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`run engine: SIGKILL mid-run on ${backend}, default leases`, () => {
    const cleanups: Array<() => Promise<void> | void> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    /**
     * Starts A, lets `begin` queue work whose page A's browser is loading, kills A, and starts
     * the process that must finish it: A again on SQLite, a second process B on PostgreSQL.
     * Answers the survivor's API and when it was ready.
     */
    async function killMidRun(
      begin: (api: Api, site: FixtureSite, rx: Receiver) => Promise<() => Promise<string | null>>,
    ): Promise<{ api: Api; rx: Receiver; site: FixtureSite; readyAt: number }> {
      if (backend === 'postgres') await requirePostgres();
      const site = await FixtureSite.start();
      cleanups.push(() => site.close());
      const rx = await Receiver.start();
      cleanups.push(() => rx.close());
      const { env, base, headers } = await processSetup(backend, cleanups);
      const start = (extra: Record<string, string> = {}): HeraldProcess => {
        const p = spawnHerald({ ...env, ...extra });
        cleanups.push(() => stopProcess(p.child, 'SIGKILL'));
        return p;
      };
      const a = start();
      await a.ready;
      const api = apiOf(base, headers);
      const hook = await api.call('POST', '/api/hooks', {
        name: 'runs',
        url: `${rx.url}/hooks`,
        objects: ['apiLog'],
      });
      assert.equal(hook.status, 201, hook.text);
      // B runs beside A on PostgreSQL (its own port), started before the work so that its start-up
      // (slow on a loaded machine) does not count; A is woken in-process and claims the work at
      // once, B only polls. On SQLite A's data dir admits one process.
      let survivor: HeraldProcess | null = null;
      let survivorApi = api;
      if (backend === 'postgres') {
        const port = await freePort();
        survivor = start({ PORT: String(port) });
        await survivor.ready;
        survivorApi = apiOf(`http://127.0.0.1:${port}`, headers);
      }
      site.holding = true;
      const ended = await begin(api, site, rx);
      await heldOrEnded(site.heldRequest(), ended); // A's browser is loading the page: the run is mid-way
      if (survivor) {
        await killHard(a);
      } else {
        await killHard(a);
        site.release();
        survivor = start();
        await survivor.ready;
      }
      site.release();
      const last = survivor;
      cleanups.push(() => stopProcess(last.child, 'SIGTERM'));
      return { api: survivorApi, rx, site, readyAt: Date.now() };
    }

    test(
      `a Tenon run whose page was loading is done within ${LIMIT[backend] / 1000} s, announced once`,
      { timeout: 120_000 },
      async (t) => {
        let responseID = '';
        const { api, rx, site, readyAt } = await killMidRun(async (api, site) => {
          responseID = await startTestRun(api, `${site.url}/hold`);
          return async () => {
            const run = await api.call('GET', `/api/test-runs/${responseID}`);
            return run.body.status === 'done' || run.body.status === 'failed'
              ? JSON.stringify(run.body.response)
              : null;
          };
        });
        const run = await until(
          async () => {
            const r = await testRunStatus(api, responseID);
            return r.status === 'done' || r.status === 'failed' ? r : null;
          },
          'the run to finish',
          LIMIT[backend],
        );
        t.diagnostic(`done ${Date.now() - readyAt} ms after the kill (PostgreSQL) or restart (SQLite)`);
        assert.equal(run.status, 'done');
        assert.equal(run.attempts, 2);
        const [delivered] = await rx.waitFor(1, (r) => r.path === '/hooks', 30_000);
        const envelope = JSON.parse(delivered!.body) as { event: string; data: { responseID: string } };
        assert.equal(envelope.event, 'apiLog.created');
        assert.equal(envelope.data.responseID, responseID);
        assert.equal(await eventsOf(api, 'apiLog.created'), 1);
        assert.equal(rx.requests.filter((r) => r.path === '/hooks').length, 1);
        assert.equal(site.paths.filter((p) => p === '/hold').length, 2);
      },
    );

    test(
      `a build whose page was loading is FINISHED within ${LIMIT[backend] / 1000} s, each reporter called once`,
      { timeout: 120_000 },
      async (t) => {
        let buildId = '';
        const { api, rx, readyAt } = await killMidRun(async (api, site, rx) => {
          buildId = await startBuild(api, site.url, '/hold', `${rx.url}/reporter`);
          return async () => {
            if ((await buildStatus(api, buildId)) !== 'FINISHED') return null;
            return (await api.call('GET', `/api/build/${buildId}/results/json`)).text;
          };
        });
        await until(
          async () => (await buildStatus(api, buildId)) === 'FINISHED',
          'the build to finish',
          LIMIT[backend],
        );
        t.diagnostic(`FINISHED ${Date.now() - readyAt} ms after the kill (PostgreSQL) or restart (SQLite)`);
        const detail = await api.call('GET', `/api/builds/${buildId}`);
        assert.equal(detail.body.runs[0].status, 'passed');
        assert.equal(detail.body.runs[0].attempts, 2);
        const [report] = await rx.waitFor(1, (r) => r.path === '/reporter', 30_000);
        assert.ok(report);
        assert.equal(await eventsOf(api, 'build.report'), 1);
        assert.equal(rx.requests.filter((r) => r.path === '/reporter').length, 1);
      },
    );
  });
}
