import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Project } from '../../src/domain/builds.ts';
import { HeraldError } from '../../src/domain/errors.ts';
import { isId } from '../../src/domain/ids.ts';
import { serviceFixture, type ServiceFixture } from './builds-fixture.ts';

const STEPS = [
  { action: 'open', url: '/' },
  { action: 'assertTitle', text: 'Home' },
];

describe('TraceService', () => {
  let f: ServiceFixture;
  let project: Project;
  beforeEach(async () => {
    f = await serviceFixture();
    project = await f.services.projects.create(f.tenantId, { name: 'P' });
    f.announced.length = 0;
  });
  afterEach(() => f.close());

  test('a new trace has no tags and no bug or flaky mark unless it says so, and is not announced', async () => {
    const t = await f.services.traces.create(f.tenantId, project.projectID, { name: ' Home ', steps: STEPS });
    assert.ok(isId('trace', t.id));
    assert.deepEqual(
      { name: t.name, tags: t.tags, taggedBug: t.taggedBug, taggedFlaky: t.taggedFlaky, steps: t.steps },
      { name: 'Home', tags: [], taggedBug: false, taggedFlaky: false, steps: STEPS },
    );
    assert.deepEqual(await f.services.traces.get(f.tenantId, t.id), t);
    assert.deepEqual(f.announced, []);
  });

  test('a trace with an invalid step is refused and nothing is stored', async () => {
    await assert.rejects(
      f.services.traces.create(f.tenantId, project.projectID, {
        name: 'Bad',
        steps: [{ action: 'open', url: '/' }, { action: 'click' }],
      }),
      (err: HeraldError) =>
        err.code === 'INVALID_TRACE' &&
        Array.isArray(err.details) &&
        (err.details as Array<{ path: string }>)[0]!.path.startsWith('/steps/1'),
    );
    await assert.rejects(
      f.services.traces.create(f.tenantId, project.projectID, { name: 'Empty', steps: [] }),
      (err: HeraldError) => err.code === 'INVALID_TRACE',
    );
    assert.deepEqual(await f.services.traces.listAll(f.tenantId, project.projectID), []);
  });

  test('a trace in a project that does not exist is PROJECT_NOT_FOUND, and so is listing its traces', async () => {
    await assert.rejects(
      f.services.traces.create(f.tenantId, 'nope', { name: 'T', steps: STEPS }),
      (err: HeraldError) => err.code === 'PROJECT_NOT_FOUND',
    );
    await assert.rejects(
      f.services.traces.list(f.tenantId, 'nope', { limit: 10 }),
      (err: HeraldError) => err.code === 'PROJECT_NOT_FOUND',
    );
  });

  test('a change with an invalid step changes nothing', async () => {
    const t = await f.services.traces.create(f.tenantId, project.projectID, { name: 'T', steps: STEPS });
    await assert.rejects(
      f.services.traces.update(f.tenantId, t.id, { name: 'Renamed', steps: [{ action: 'fly' }] }),
      (err: HeraldError) => err.code === 'INVALID_TRACE',
    );
    assert.deepEqual(await f.services.traces.get(f.tenantId, t.id), t);
    const renamed = await f.services.traces.update(f.tenantId, t.id, { name: 'Renamed', tags: ['smoke'] });
    assert.deepEqual(
      { name: renamed.name, tags: renamed.tags, steps: renamed.steps },
      {
        name: 'Renamed',
        tags: ['smoke'],
        steps: STEPS,
      },
    );
  });

  test('a deleted trace is gone, and deleting it again is TRACE_NOT_FOUND', async () => {
    const t = await f.services.traces.create(f.tenantId, project.projectID, { name: 'T', steps: STEPS });
    assert.equal((await f.services.traces.delete(f.tenantId, t.id)).id, t.id);
    await assert.rejects(
      f.services.traces.get(f.tenantId, t.id),
      (err: HeraldError) => err.code === 'TRACE_NOT_FOUND',
    );
    await assert.rejects(
      f.services.traces.delete(f.tenantId, t.id),
      (err: HeraldError) => err.code === 'TRACE_NOT_FOUND',
    );
  });
});
