import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SlotRun } from '../../src/monitors/slots.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';
import { monitorServices, RecordingTestRuns, scheduler } from './fixture.ts';

const skip = await pgSkipReason();

/**
 * Several workers on one PostgreSQL database, each with its own store (its own pool), as
 * separate processes would be: a monitor every second never has a slot enqueued twice.
 */
describe('MonitorScheduler on PostgreSQL with two workers', { skip }, () => {
  let db: TestDatabase;
  const stores: PostgresStore[] = [];
  const open = () => {
    const s = new PostgresStore({ connectionString: db.url, poolSize: 4 });
    stores.push(s);
    return s;
  };
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const s of stores) await s.close();
    await db.drop();
  });

  test('a monitor every second runs each slot once across two schedulers, every page once', async () => {
    const a = open();
    const b = open();
    const { services, tenantId, projectID } = await monitorServices(a);
    const site = await services.sites.create(tenantId, {
      projectID,
      name: 'Fast',
      siteUrl: 'http://127.0.0.1:9/',
      paths: ['/two'],
      intervalSec: 1,
    });
    const runs = new RecordingTestRuns();
    const seen: SlotRun[] = [];
    let wanted: () => void = () => {};
    const enough = new Promise<void>((resolve) => (wanted = resolve));
    const onSlot = (r: SlotRun) => {
      seen.push(r);
      if (new Set(seen.map((s) => s.slot)).size >= 4) wanted();
    };
    // Ticks far shorter than the interval, so both workers contend for every slot.
    const s1 = scheduler(a, runs, { owner: 'w1', tickMs: 20, onSlot });
    const s2 = scheduler(b, runs, { owner: 'w2', tickMs: 20, onSlot });
    s1.start();
    s2.start();
    await enough;
    await Promise.all([s1.stop(), s2.stop()]);

    const slots = seen.map((s) => s.slot);
    assert.equal(new Set(slots).size, slots.length, `a slot ran twice: ${slots.join(',')}`);
    const keys = runs.calls.map(
      (c) => `${c.source.kind === 'monitor' && c.source.slot} ${String(c.fields['url'])}`,
    );
    assert.equal(new Set(keys).size, keys.length, 'a page of a slot was enqueued twice');
    assert.equal(runs.calls.length, 2 * slots.length);
    const stored = await a.monitors.listSlots(tenantId, site.id, 100);
    assert.deepEqual(stored.map((s) => s.slot).sort(), [...slots].sort());
  });

  test('after a restart the slots missed while down run once: the latest only', async () => {
    const a = open();
    const { services, tenantId, projectID } = await monitorServices(a);
    const site = await services.sites.create(tenantId, {
      projectID,
      name: 'Restarted',
      siteUrl: 'http://127.0.0.1:9/',
      intervalSec: 2,
    });
    let now = Date.now();
    const runs = new RecordingTestRuns();
    const before = scheduler(a, runs, { owner: 'w1', now: () => now });
    assert.equal(await before.tick(), 1);
    await before.stop();
    const first = Math.floor(now / 2000);

    // Down for five slots; then a new process (new store, new scheduler) starts.
    now += 5 * 2000;
    const b = open();
    let ran: (r: SlotRun) => void = () => {};
    const slotRan = new Promise<SlotRun>((resolve) => (ran = resolve));
    const after = scheduler(b, runs, {
      owner: 'w2',
      tickMs: 20,
      now: () => now,
      onSlot: (r) => r.siteKey === site.siteKey && ran(r),
    });
    after.start();
    const caughtUp = await slotRan;
    await after.stop();
    // More ticks within the same slot change nothing.
    await after.tick();
    assert.equal(caughtUp.slot, first + 5);
    assert.deepEqual(
      (await b.monitors.listSlots(tenantId, site.id, 10)).map((s) => s.slot),
      [first + 5, first],
    );
    assert.equal(
      runs.calls.filter((c) => c.source.kind === 'monitor' && c.source.siteKey === site.siteKey).length,
      2,
    );
  });
});
