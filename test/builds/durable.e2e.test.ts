/**
 * Builds are durable: a Herald stopped mid-build hands its test case back, and the next Herald
 * on the same database runs it. And bounded: a build past HERALD_BUILD_TIMEOUT_MS fails what
 * is left of it instead of running on.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { createProject, createTrace, startBuild, waitFinished } from './helpers/builds.ts';
import { FixtureSite } from './helpers/fixture-site.ts';

describe('durable and bounded builds', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a build survives a restart: the interrupted test case runs again on the next Herald', async () => {
    const site = await FixtureSite.start();
    cleanups.push(() => site.close());
    const data = createTempSqliteDir();
    cleanups.push(() => data.cleanup());
    const env = { HERALD_DATA_DIR: data.dir, HERALD_BUILD_STEP_TIMEOUT_MS: '20000' };

    let h: TestHerald | null = await startHerald('sqlite', env);
    cleanups.push(() => h?.stop());
    const { projectID } = await createProject(h, { baseUrl: site.url });
    const trace = await createTrace(h, projectID, {
      name: 'Held page',
      steps: [
        { action: 'open', url: '/hold' },
        { action: 'assertText', selector: '#held', text: 'Released' },
      ],
    });
    site.holding = true;
    const buildId = await startBuild(h, `/api/trace/${trace.id}/execute`, {
      requiredCapabilities: [{ browserName: 'chrome' }],
    });
    await site.heldRequest(); // the browser is waiting for the page: the test case is mid-run
    const first = h;
    h = null;
    await first.stop();

    site.release();
    h = await startHerald('sqlite', env);
    const status = await waitFinished(h, buildId);
    assert.deepEqual(status.summary, { request: 1, finish: 1, pass: 1, fail: 0 });
    const detail = (await h.api('GET', `/api/builds/${buildId}`)).body;
    assert.equal(detail.runs[0].status, 'passed');
    assert.equal(detail.runs[0].attempts, 2);
    assert.equal(site.paths.filter((p) => p === '/hold').length, 2);
  });

  test('a build that runs out of time fails its unfinished test cases and finishes', async () => {
    const site = await FixtureSite.start();
    cleanups.push(() => site.close());
    const h = await startHerald('sqlite', {
      HERALD_BUILD_TIMEOUT_MS: '1000',
      HERALD_BUILD_STEP_TIMEOUT_MS: '30000',
      HERALD_BUILD_CONCURRENCY: '1',
    });
    cleanups.push(() => h.stop());
    const { projectID } = await createProject(h, { baseUrl: site.url });
    const never = (name: string) => ({
      name,
      steps: [
        { action: 'open', url: '/' },
        { action: 'waitFor', selector: '#never', timeoutMs: 60_000 },
      ],
    });
    await createTrace(h, projectID, never('Never 1'));
    await createTrace(h, projectID, never('Never 2'));
    const started = Date.now();
    const buildId = await startBuild(h, `/api/project/${projectID}/execute-all`, {
      requiredCapabilities: [{ browserName: 'chrome' }],
    });
    const status = await waitFinished(h, buildId, 30_000);
    assert.ok(Date.now() - started < 20_000, 'the deadline did not stop the build');
    assert.deepEqual(status.summary, { request: 2, finish: 2, pass: 0, fail: 2 });
    const results = (await h.api('GET', `/api/build/${buildId}/results/json`)).body;
    for (const t of results.testCase) {
      assert.equal(t.error.type, 'error');
      assert.match(t.error.message, /^The build ran out of time \(HERALD_BUILD_TIMEOUT_MS is 1000 ms\)/);
    }
  });
});
