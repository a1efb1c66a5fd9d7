/**
 * The three `when` rules across consecutive builds in a real browser: the fixture's /toggle
 * page is switched between builds to change the outcome.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import {
  createProject,
  createTrace,
  reporterDeliveries,
  startBuild,
  validateResults,
  waitFinished,
} from './helpers/builds.ts';
import { FixtureSite } from './helpers/fixture-site.ts';

const TOGGLE = {
  name: 'Toggle is green',
  tags: ['toggle'],
  steps: [
    { action: 'open', url: '/toggle' },
    { action: 'assertText', selector: '#state', text: 'green' },
  ],
};

describe('reporter rules across consecutive builds', () => {
  let site: FixtureSite;
  let rx: Receiver;
  let h: TestHerald;
  let projectID: string;
  let traceId: string;

  before(async () => {
    site = await FixtureSite.start();
    rx = await Receiver.start();
    h = await startHerald('sqlite', { HERALD_BUILD_STEP_TIMEOUT_MS: '1000' });
    projectID = (await createProject(h, { baseUrl: site.url })).projectID;
    traceId = (await createTrace(h, projectID, TOGGLE)).id;
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await site?.close();
  });

  /** Reports each receiver path has had so far. */
  const received = new Map<string, number>();
  const reporters = () =>
    (['always', 'fails', 'changes'] as const).map((when) => ({
      webhook: { url: `${rx.url}/${when}`, when },
    }));

  /** Runs a build with the three reporters; returns which of them sent, checked at the receiver. */
  async function build(path: string, extra: object = {}): Promise<string[]> {
    const buildId = await startBuild(h, path, {
      requiredCapabilities: [{ browserName: 'chrome' }],
      reporters: reporters(),
      ...extra,
    });
    await waitFinished(h, buildId);
    validateResults((await h.api('GET', `/api/build/${buildId}/results/json`)).body);
    // `always` always sends, so at least one delivery exists once the build is announced; all
    // of a build's reports are committed together.
    const deliveries = await reporterDeliveries(h, buildId, 1);
    const sent = deliveries.map((d) => new URL(String(d.url)).pathname.slice(1)).sort();
    for (const when of sent) {
      received.set(when, (received.get(when) ?? 0) + 1);
      await rx.waitFor(received.get(when)!, (r) => r.path === `/${when}`);
    }
    return sent;
  }

  test('always sends every time, fails only on unstable builds, changes only when an outcome changes', async () => {
    const execute = `/api/trace/${traceId}/execute`;
    site.toggle = 'green';
    assert.deepEqual(await build(execute), ['always', 'changes'], 'first build: stable, and a change');
    assert.deepEqual(await build(execute), ['always'], 'same outcome again');
    site.toggle = 'red';
    assert.deepEqual(
      await build(execute),
      ['always', 'changes', 'fails'],
      'now failing: unstable and changed',
    );
    assert.deepEqual(await build(execute), ['always', 'fails'], 'still failing: unstable, unchanged');
    // execute-all with tags is compared with earlier builds of the same project and tags only:
    // this is the first such build, so it is a change although the trace failed before.
    const all = `/api/project/${projectID}/execute-all`;
    assert.deepEqual(await build(all, { tags: ['toggle'] }), ['always', 'changes', 'fails']);
    assert.deepEqual(await build(all, { tags: ['toggle'] }), ['always', 'fails']);
    site.toggle = 'green';
    assert.deepEqual(await build(all, { tags: ['toggle'] }), ['always', 'changes']);
    assert.equal(rx.requests.filter((r) => r.path === '/always').length, 7);
    assert.equal(rx.requests.filter((r) => r.path === '/fails').length, 4);
    assert.equal(rx.requests.filter((r) => r.path === '/changes').length, 4);
  });
});
