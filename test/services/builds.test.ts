import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Project } from '../../src/domain/builds.ts';
import { HeraldError } from '../../src/domain/errors.ts';
import { isId } from '../../src/domain/ids.ts';
import { serviceFixture, type ServiceFixture } from './builds-fixture.ts';

const STEPS = [{ action: 'open', url: '/' }];
const BOTH = { requiredCapabilities: [{ browserName: 'chrome' }, { browserName: 'firefox' }] };

describe('BuildService', () => {
  let f: ServiceFixture;
  let project: Project;
  beforeEach(async () => {
    f = await serviceFixture();
    project = await f.services.projects.create(f.tenantId, {
      name: 'P',
      baseUrl: 'https://staging.example.com',
    });
  });
  afterEach(() => f.close());

  const trace = (name: string, tags: string[] = []) =>
    f.services.traces.create(f.tenantId, project.projectID, { name, tags, steps: STEPS });

  test("execute-all queues one run per browser and trace, in the report's order, at the project's base URL", async () => {
    const a = await trace('A');
    const b = await trace('B');
    const build = await f.services.builds.executeAll(f.tenantId, project.projectID, BOTH);
    assert.ok(isId('build', build.id));
    assert.equal(build.status, 'RUNNING');
    assert.equal(build.baseUrl, 'https://staging.example.com');
    assert.equal(build.traceId, null);
    assert.deepEqual(build.viewport, { width: 1024, height: 768 });
    const { runs } = await f.services.builds.withRuns(f.tenantId, build.id);
    assert.deepEqual(
      runs.map((r) => `${r.position} ${r.browser} ${r.traceName} ${r.status}`),
      ['0 chrome A queued', '1 chrome B queued', '2 firefox A queued', '3 firefox B queued'],
    );
    assert.deepEqual(
      runs.map((r) => r.traceId),
      [a.id, b.id, a.id, b.id],
    );
  });

  test('execute-all with tags runs only the traces with any of them, and refuses tags that select none', async () => {
    await trace('Smoke', ['smoke']);
    await trace('Slow', ['slow']);
    const build = await f.services.builds.executeAll(f.tenantId, project.projectID, {
      ...BOTH,
      tags: ['smoke', 'nightly'],
    });
    const { runs } = await f.services.builds.withRuns(f.tenantId, build.id);
    assert.deepEqual(new Set(runs.map((r) => r.traceName)), new Set(['Smoke']));

    await assert.rejects(
      f.services.builds.executeAll(f.tenantId, project.projectID, { ...BOTH, tags: ['none'] }),
      (err: HeraldError) =>
        err.code === 'VALIDATION_FAILED' &&
        err.message === 'No trace of the project has any of the tags "none"' &&
        JSON.stringify(err.details) === '[{"path":"/tags","message":"selects no trace"}]',
    );
    assert.equal(
      (await f.services.builds.list(f.tenantId, { limit: 10 })).length,
      1,
      'nothing more is stored',
    );
  });

  test('a project without traces is refused and no build is stored', async () => {
    await assert.rejects(
      f.services.builds.executeAll(f.tenantId, project.projectID, BOTH),
      (err: HeraldError) =>
        err.code === 'VALIDATION_FAILED' && err.message === 'The project has no traces to run',
    );
    assert.deepEqual(await f.services.builds.list(f.tenantId, { limit: 10 }), []);
  });

  test("a trace's build runs the steps it had when it started, not later edits", async () => {
    const t = await trace('T');
    const build = await f.services.builds.executeTrace(f.tenantId, t.id, {
      requiredCapabilities: [{ browserName: 'chrome' }],
    });
    assert.equal(build.traceId, t.id);
    await f.services.traces.update(f.tenantId, t.id, { steps: [{ action: 'open', url: '/changed' }] });
    const { runs } = await f.services.builds.withRuns(f.tenantId, build.id);
    assert.deepEqual(runs[0]!.steps, STEPS);
    assert.deepEqual(
      (await f.services.builds.listOfTrace(t, 10)).map((b) => b.id),
      [build.id],
    );
  });

  test('a build needs a base URL: from the request, else from the project', async () => {
    const bare = await f.services.projects.create(f.tenantId, { name: 'Bare' });
    const t = await f.services.traces.create(f.tenantId, bare.projectID, { name: 'T', steps: STEPS });
    const chrome = { requiredCapabilities: [{ browserName: 'chrome' }] };
    await assert.rejects(
      f.services.builds.executeTrace(f.tenantId, t.id, chrome),
      (err: HeraldError) =>
        err.code === 'VALIDATION_FAILED' && err.message === 'baseUrl is required: the project has no baseUrl',
    );
    const build = await f.services.builds.executeTrace(f.tenantId, t.id, {
      ...chrome,
      baseUrl: 'https://given.example.com',
    });
    assert.equal(build.baseUrl, 'https://given.example.com');
  });

  test("a project's base URL on a blocked network is refused when a build starts", async () => {
    const internal = await f.services.projects.create(f.tenantId, {
      name: 'Internal',
      baseUrl: 'http://169.254.169.254/',
    });
    const t = await f.services.traces.create(f.tenantId, internal.projectID, { name: 'T', steps: STEPS });
    await assert.rejects(
      f.services.builds.executeTrace(f.tenantId, t.id, BOTH),
      (err: HeraldError) => err.code === 'TARGET_BLOCKED',
    );
    assert.deepEqual(await f.services.builds.list(f.tenantId, { limit: 10 }), []);
  });

  test('a request for an unknown browser is refused before anything is stored', async () => {
    const t = await trace('T');
    await assert.rejects(
      f.services.builds.executeTrace(f.tenantId, t.id, { requiredCapabilities: [{ browserName: 'lynx' }] }),
      (err: HeraldError) => err.status === 400,
    );
    assert.deepEqual(await f.services.builds.list(f.tenantId, { limit: 10 }), []);
  });

  test('unknown traces, projects and builds are not found, also across tenants', async () => {
    const t = await trace('T');
    const build = await f.services.builds.executeTrace(f.tenantId, t.id, BOTH);
    const cases: Array<[Promise<unknown>, string]> = [
      [f.services.builds.executeTrace(f.tenantId, 'trc_nope', BOTH), 'TRACE_NOT_FOUND'],
      [f.services.builds.executeAll(f.tenantId, 'nope', BOTH), 'PROJECT_NOT_FOUND'],
      [f.services.builds.get('ten_other', build.id), 'BUILD_NOT_FOUND'],
      [f.services.builds.report('ten_other', build.id), 'BUILD_NOT_FOUND'],
      [f.services.builds.reporterDeliveries('ten_other', build.id), 'BUILD_NOT_FOUND'],
    ];
    for (const [attempt, code] of cases)
      await assert.rejects(attempt, (err: HeraldError) => err.code === code);
  });

  test('a running build reports its test cases so far, and has no reporter deliveries yet', async () => {
    const t = await trace('T');
    const build = await f.services.builds.executeTrace(f.tenantId, t.id, {
      ...BOTH,
      reporters: [{ webhook: { url: 'https://ci.example.com/hook', when: 'always' } }],
    });
    const { report } = await f.services.builds.report(f.tenantId, build.id);
    assert.equal(report.buildStable, true);
    assert.deepEqual(await f.services.builds.reporterDeliveries(f.tenantId, build.id), []);
    const detail = await f.services.builds.detail(f.tenantId, build.id);
    assert.equal(detail.project?.projectID, project.projectID);
    assert.equal(detail.trace?.id, t.id);
    assert.equal(detail.runs.length, 2);
    assert.equal(detail.finishedEvent, null);
  });

  test("a started build wakes this process's build queue, and a refused one does not", async () => {
    let wakes = 0;
    f.deps.engine.runs.builds.attach(() => void wakes++);
    try {
      const t = await trace('T');
      await assert.rejects(f.services.builds.executeTrace(f.tenantId, t.id, { requiredCapabilities: [] }));
      assert.equal(wakes, 0);
      await f.services.builds.executeTrace(f.tenantId, t.id, BOTH);
      assert.equal(wakes, 1);
    } finally {
      f.deps.engine.runs.builds.attach(null);
    }
  });

  test('a screenshot is read only by a well-formed token', async () => {
    assert.equal(await f.services.builds.screenshot('../../etc/passwd'), null);
    assert.equal(await f.services.builds.screenshot('A'.repeat(43)), null);
  });
});
