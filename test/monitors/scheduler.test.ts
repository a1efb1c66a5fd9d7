import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Services } from '../../src/services/index.ts';
import { sqliteTarget, type StoreFixture } from '../helpers/store-targets.ts';
import { monitorServices, RecordingTestRuns, scheduler } from './fixture.ts';

const MIN = 60_000;

describe('MonitorScheduler (SQLite, a controlled clock)', () => {
  let f: StoreFixture;
  let services: Services;
  let tenantId: string;
  let projectID: string;
  let now: number;
  const clock = () => now;
  beforeEach(async () => {
    f = await sqliteTarget().fresh();
    ({ services, tenantId, projectID } = await monitorServices(f.store));
    now = 1000 * MIN + 1234;
  });
  afterEach(() => f.close());

  const site = (over: Record<string, unknown> = {}) =>
    services.sites.create(tenantId, {
      projectID,
      name: 'Shop',
      siteUrl: 'http://127.0.0.1:9/shop/',
      intervalSec: 60,
      paths: ['/cart', '/help'],
      level: 'AA',
      certainty: 40,
      priority: 20,
      ...over,
    });

  test('a due slot enqueues one test run per page with the monitor projectID, level and thresholds', async () => {
    const s = await site();
    const runs = new RecordingTestRuns();
    assert.equal(await scheduler(f.store, runs, { owner: 'w1', now: clock }).tick(), 1);
    assert.deepEqual(
      runs.calls.map((c) => [c.tenantId, c.fields, c.source]),
      ['http://127.0.0.1:9/shop/', 'http://127.0.0.1:9/cart', 'http://127.0.0.1:9/help'].map((url) => [
        tenantId,
        { url, projectID, level: 'AA', certainty: 40, priority: 20 },
        { kind: 'monitor', siteKey: s.siteKey, slot: 1000 },
      ]),
    );
    const [slot] = await f.store.monitors.listSlots(tenantId, s.id, 10);
    assert.equal(slot?.slot, 1000);
    assert.equal(slot?.responseIDs.length, 3);
    assert.equal(slot?.error, null);
  });

  test('the same slot never runs twice, and the next one runs when it comes', async () => {
    await site({ paths: [] });
    const runs = new RecordingTestRuns();
    const s = scheduler(f.store, runs, { owner: 'w1', now: clock });
    await s.tick();
    now += 30_000;
    assert.equal(await s.tick(), 0);
    assert.equal(await scheduler(f.store, runs, { owner: 'w2', now: clock }).tick(), 0);
    now += 30_000;
    assert.equal(await s.tick(), 1);
    assert.deepEqual(
      runs.calls.map((c) => c.source.kind === 'monitor' && c.source.slot),
      [1000, 1001],
    );
  });

  test('a paused monitor does not run; resumed, it runs its current slot', async () => {
    const s = await site({ paths: [], paused: true });
    const runs = new RecordingTestRuns();
    const sched = scheduler(f.store, runs, { owner: 'w1', now: clock });
    assert.equal(await sched.tick(), 0);
    await services.sites.resume(tenantId, s.siteKey);
    assert.equal(await sched.tick(), 1);
    await services.sites.pause(tenantId, s.siteKey);
    now += 5 * MIN;
    assert.equal(await sched.tick(), 0);
    assert.equal(runs.calls.length, 1);
  });

  test('a site without a schedule is never run', async () => {
    await site({ intervalSec: null });
    const runs = new RecordingTestRuns();
    assert.equal(await scheduler(f.store, runs, { owner: 'w1', now: clock }).tick(), 0);
    assert.deepEqual(runs.calls, []);
  });

  test('a page that cannot be enqueued is recorded on the slot, and the other pages still run', async () => {
    const s = await site({ paths: ['/cart'] });
    const runs = new RecordingTestRuns();
    const enqueue = runs.enqueue.bind(runs);
    runs.enqueue = async (input) => {
      if (input.fields['url'] === 'http://127.0.0.1:9/shop/') throw new Error('queue full');
      return enqueue(input);
    };
    assert.equal(await scheduler(f.store, runs, { owner: 'w1', now: clock }).tick(), 1);
    const [slot] = await f.store.monitors.listSlots(tenantId, s.id, 10);
    assert.equal(slot?.responseIDs.length, 1);
    assert.equal(slot?.error, 'http://127.0.0.1:9/shop/: queue full');
  });
});
