import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeraldError } from '../../src/domain/errors.ts';
import { TenonError } from '../../src/tenon/errors.ts';
import { serviceFixture } from './core-deps.ts';

const fixture = serviceFixture();

describe('TestRunService', () => {
  test('enqueue validates, stores the run queued with its request (never the key) and answers its responseID', async () => {
    const f = fixture();
    const { responseID } = await f.services.testRuns.enqueue({
      tenantId: f.tenantId,
      fields: { key: 'hk_secret_key', url: 'http://127.0.0.1:9/page', level: 'AA', projectID: 'p1' },
      source: { kind: 'api' },
    });
    assert.match(responseID, /^[0-9a-f]{32}$/);
    const run = await f.services.testRuns.get(f.tenantId, responseID);
    assert.equal(run.status, 'queued');
    assert.equal(run.projectID, 'p1');
    assert.equal(run.url, 'http://127.0.0.1:9/page');
    assert.equal(run.async, false);
    assert.ok(!JSON.stringify(run.request).includes('hk_secret_key'));
    assert.notEqual(run.eventId, run.callbackEventId);
  });

  test('a monitor slot is enqueued once, async, and keeps its site and slot', async () => {
    const f = fixture();
    const input = {
      tenantId: f.tenantId,
      fields: { url: 'http://127.0.0.1:9/', projectID: 'p2' },
      source: { kind: 'monitor' as const, siteKey: 'abcdefghijkl', slot: 1_700_000_000 },
    };
    const a = await f.services.testRuns.enqueue(input);
    const b = await f.services.testRuns.enqueue(input);
    assert.equal(a.responseID, b.responseID);
    const run = await f.services.testRuns.get(f.tenantId, a.responseID);
    assert.deepEqual([run.siteKey, run.slot, run.async], ['abcdefghijkl', 1_700_000_000, true]);
    const listed = await f.services.testRuns.list(f.tenantId, { limit: 10, siteKey: 'abcdefghijkl' });
    assert.equal(listed.length, 1);
  });

  test('async is async=1 or a callback; a bad value, a bad request or a blocked URL stores nothing', async () => {
    const f = fixture();
    const start = (fields: Record<string, unknown>) =>
      f.services.testRuns.start({ tenantId: f.tenantId, fields, source: { kind: 'api' } });
    assert.equal((await start({ src: '<p>x', async: '1' })).run.async, true);
    assert.equal((await start({ src: '<p>x', callback: { url: 'http://127.0.0.1:9/cb' } })).run.async, true);
    // Tenon API v2: PUT, PATCH and DELETE callbacks are honoured, not refused.
    const put = { url: 'http://127.0.0.1:9/cb', method: 'PUT' };
    assert.equal((await start({ src: '<p>x', callback: put })).run.async, true);
    const before = (await f.services.testRuns.list(f.tenantId, { limit: 100 })).length;
    for (const fields of [
      { src: '<p>x', async: '2' },
      { level: 'AA' },
      { url: 'http://10.1.2.3/' },
      { src: '<p>x', callback: { url: 'http://169.254.169.254/latest' } },
      { src: '<p>x', callback: { url: 'http://127.0.0.1:9/cb', method: 'GET' } },
    ]) {
      await assert.rejects(
        start(fields),
        (err: unknown) => err instanceof TenonError && err.body.status === 400,
      );
    }
    assert.equal((await f.services.testRuns.list(f.tenantId, { limit: 100 })).length, before);
  });

  test('wait answers when the run is signalled finished, or as it is when the wait runs out', async () => {
    const f = fixture();
    const { responseID } = await f.services.testRuns.enqueue({
      tenantId: f.tenantId,
      fields: { src: '<p>x' },
      source: { kind: 'api' },
    });
    const t0 = Date.now();
    assert.equal((await f.services.testRuns.wait(f.tenantId, responseID, 300)).status, 'queued');
    assert.ok(Date.now() - t0 >= 290);
    // A signal for a run that is still queued wakes the waiter, which looks and waits on.
    const waiting = f.services.testRuns.wait(f.tenantId, responseID, 2000);
    f.deps.engine.runs.testRunFinished.notify(responseID);
    assert.equal((await waiting).status, 'queued');
  });

  test("unset options come from the project's API defaults, the default project's when none is named", async () => {
    const f = fixture();
    const project = await f.services.projects.create(f.tenantId, {
      name: 'Defaults',
      apiDefaultLevel: 'A',
      apiDefaultCertainty: 20,
      apiDefaultViewportWidth: 1280,
    });
    const mirrorOf = async (fields: Record<string, unknown>) => {
      const { run } = await f.services.testRuns.start({
        tenantId: f.tenantId,
        fields,
        source: { kind: 'api' },
      });
      return (
        run.request as { mirror: { level: string; certainty: number; projectID: string; viewport: object } }
      ).mirror;
    };
    const named = await mirrorOf({ src: '<p>x', projectID: project.projectID, certainty: '50' });
    assert.deepEqual([named.level, named.certainty, named.projectID], ['A', 50, project.projectID]);
    assert.equal((named.viewport as { width: number }).width, 1280);
    assert.equal(project.defaultItem, 1, "the tenant's first project is its default");
    const byDefault = await mirrorOf({ src: '<p>x' });
    assert.deepEqual([byDefault.level, byDefault.projectID], ['A', project.projectID]);
    const unknown = await mirrorOf({ src: '<p>x', projectID: 'client-label' });
    assert.deepEqual([unknown.level, unknown.projectID], ['AAA', 'client-label']);
  });

  test('an unknown responseID, or one of another tenant, is NOT_FOUND', async () => {
    const f = fixture();
    const { responseID } = await f.services.testRuns.enqueue({
      tenantId: f.tenantId,
      fields: { src: '<p>x' },
      source: { kind: 'api' },
    });
    for (const [tenant, id] of [
      ['ten_other', responseID],
      [f.tenantId, '0'.repeat(32)],
    ] as const) {
      await assert.rejects(
        f.services.testRuns.get(tenant, id),
        (err: unknown) => err instanceof HeraldError && err.code === 'NOT_FOUND',
      );
    }
  });
});
