import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { DEFAULT_MONITOR, type MonitorSettings } from '../../src/domain/monitors.ts';
import type { Store } from '../../src/store/store.ts';
import {
  makeProject,
  makeSite,
  seedTenant,
  storeTest,
  T0,
  type ConformanceTarget,
} from '../builds/store-conformance/fixtures.ts';

/** The MonitorStore contract, run against SQLite and PostgreSQL on real databases. */
const EVERY_MINUTE: MonitorSettings = { ...DEFAULT_MONITOR, intervalSec: 60, paths: ['/a'], level: 'AA' };
const MIN = 60_000;

async function seedSite(store: Store, settings: MonitorSettings | null = EVERY_MINUTE) {
  const tenantId = await seedTenant(store);
  const project = makeProject(tenantId);
  await store.builds.createProject(project);
  const site = makeSite(tenantId, project.projectID);
  await store.builds.createSite(site);
  if (settings) assert.equal(await store.monitors.setSettings(tenantId, site.siteKey, settings, T0), true);
  return { tenantId, site };
}

const claim = (siteId: string, slot: number, owner = 'w1', intervalSec = 60) => ({
  siteId,
  slot,
  intervalSec,
  owner,
  now: slot * intervalSec * 1000 + 5,
});

export function runMonitorStoreConformance(target: ConformanceTarget): void {
  describe('monitor settings', () => {
    storeTest(target, 'a new site has the default, unscheduled monitor and is never due', async (f) => {
      const { tenantId, site } = await seedSite(f.store, null);
      const states = await f.store.monitors.statesOf(tenantId, [site.id, 'site_unknown']);
      assert.deepEqual([...states], [[site.id, { settings: DEFAULT_MONITOR, lastSlot: null }]]);
      assert.deepEqual(await f.store.monitors.dueMonitors(T0, 10), []);
    });

    storeTest(target, 'settings round-trip and stay within their tenant', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      const settings: MonitorSettings = { ...EVERY_MINUTE, certainty: 40, priority: 20, paused: true };
      assert.equal(await f.store.monitors.setSettings(tenantId, site.siteKey, settings, T0 + 1), true);
      assert.deepEqual(
        (await f.store.monitors.statesOf(tenantId, [site.id])).get(site.id)?.settings,
        settings,
      );
      assert.equal((await f.store.builds.getSite(tenantId, site.siteKey))?.updatedAt, T0 + 1);
      const other = await seedTenant(f.store, 'other');
      assert.equal(await f.store.monitors.setSettings(other, site.siteKey, EVERY_MINUTE, T0), false);
      assert.equal((await f.store.monitors.statesOf(other, [site.id])).size, 0);
    });
  });

  describe('sites with settings', () => {
    storeTest(target, 'a site is created and changed together with its settings', async (f) => {
      const tenantId = await seedTenant(f.store);
      const project = makeProject(tenantId);
      await f.store.builds.createProject(project);
      const site = makeSite(tenantId, project.projectID);
      await f.store.monitors.createSiteWithSettings(site, EVERY_MINUTE);
      assert.deepEqual(await f.store.builds.getSite(tenantId, site.siteKey), site);
      const state = () =>
        f.store.monitors.statesOf(tenantId, [site.id]).then((m) => m.get(site.id)?.settings);
      assert.deepEqual(await state(), EVERY_MINUTE);
      const changed = await f.store.monitors.updateSiteWithSettings(
        tenantId,
        site.siteKey,
        { name: 'Renamed' },
        { ...EVERY_MINUTE, paused: true },
        T0 + 5,
      );
      assert.deepEqual([changed?.name, changed?.updatedAt], ['Renamed', T0 + 5]);
      assert.equal((await state())?.paused, true);
      assert.equal(
        await f.store.monitors.updateSiteWithSettings(tenantId, 'nosuchsite00', {}, EVERY_MINUTE, T0),
        null,
      );
    });

    storeTest(target, 'a site whose settings cannot be stored is not created either', async (f) => {
      const tenantId = await seedTenant(f.store);
      const project = makeProject(tenantId);
      await f.store.builds.createProject(project);
      const site = makeSite(tenantId, project.projectID);
      // The level column refuses what the service would never send: the insert rolls back too.
      const bad = { ...EVERY_MINUTE, level: 'Z' as 'A' };
      await assert.rejects(f.store.monitors.createSiteWithSettings(site, bad));
      assert.equal(await f.store.builds.getSite(tenantId, site.siteKey), null);
    });
  });

  describe('slots', () => {
    storeTest(target, 'a due monitor is claimed once per slot and then not due until the next', async (f) => {
      const { site } = await seedSite(f.store);
      const now = 1000 * MIN + 30_000;
      const due = await f.store.monitors.dueMonitors(now, 10);
      assert.deepEqual(
        due.map((d) => [d.site.siteKey, d.settings, d.lastSlot]),
        [[site.siteKey, EVERY_MINUTE, null]],
      );
      const claimed = await f.store.monitors.claimSlot(claim(site.id, 1000));
      assert.equal(claimed?.lastSlot, 1000);
      assert.equal(claimed?.site.siteUrl, site.siteUrl);
      assert.equal(await f.store.monitors.claimSlot(claim(site.id, 1000, 'w2')), null);
      assert.deepEqual(await f.store.monitors.dueMonitors(now, 10), []);
      assert.equal((await f.store.monitors.dueMonitors(1001 * MIN, 10)).length, 1);
    });

    storeTest(target, 'two stores racing for the same slot: exactly one wins', async (f) => {
      const { site } = await seedSite(f.store);
      const another = await f.openAnother();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? another : f.store).monitors.claimSlot(claim(site.id, 7, `w${i}`)),
        ),
      );
      assert.equal(results.filter((r) => r !== null).length, 1);
    });

    storeTest(target, 'a paused monitor, or one whose interval changed, is not claimed', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.monitors.setSettings(tenantId, site.siteKey, { ...EVERY_MINUTE, paused: true }, T0);
      assert.deepEqual(await f.store.monitors.dueMonitors(1000 * MIN, 10), []);
      assert.equal(await f.store.monitors.claimSlot(claim(site.id, 1000)), null);
      await f.store.monitors.setSettings(tenantId, site.siteKey, { ...EVERY_MINUTE, intervalSec: 120 }, T0);
      assert.equal(await f.store.monitors.claimSlot(claim(site.id, 1000)), null);
      assert.notEqual(await f.store.monitors.claimSlot(claim(site.id, 500, 'w1', 120)), null);
    });

    storeTest(target, 'an older slot is never claimed after a newer one', async (f) => {
      const { site } = await seedSite(f.store);
      assert.notEqual(await f.store.monitors.claimSlot(claim(site.id, 10)), null);
      assert.equal(await f.store.monitors.claimSlot(claim(site.id, 9)), null);
    });

    storeTest(target, 'a changed interval forgets the last slot; the same interval keeps it', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.monitors.claimSlot(claim(site.id, 10));
      await f.store.monitors.setSettings(tenantId, site.siteKey, { ...EVERY_MINUTE, paths: [] }, T0);
      assert.equal((await f.store.monitors.statesOf(tenantId, [site.id])).get(site.id)?.lastSlot, 10);
      await f.store.monitors.setSettings(tenantId, site.siteKey, { ...EVERY_MINUTE, intervalSec: 3600 }, T0);
      assert.equal((await f.store.monitors.statesOf(tenantId, [site.id])).get(site.id)?.lastSlot, null);
    });

    storeTest(
      target,
      'finished slots list newest first with their responseIDs, within the tenant',
      async (f) => {
        const { tenantId, site } = await seedSite(f.store);
        await f.store.monitors.claimSlot(claim(site.id, 10));
        await f.store.monitors.claimSlot(claim(site.id, 11));
        const [s10, s11] = await f.store.monitors.claimSlotRuns({
          owner: 'e1',
          now: T0,
          limit: 5,
          leaseMs: 60_000,
        });
        assert.deepEqual([s10?.slot, s11?.slot], [10, 11]);
        const ok = { status: 'done' as const, responseIDs: ['r1', 'r2'], error: null, now: T0 };
        assert.equal(await f.store.monitors.finishSlot('e2', s10!.id, ok), false);
        assert.equal(await f.store.monitors.finishSlot('e1', s10!.id, ok), true);
        await f.store.monitors.finishSlot('e1', s11!.id, {
          status: 'failed',
          responseIDs: [],
          error: 'boom',
          now: T0 + 1,
        });
        const slots = await f.store.monitors.listSlots(tenantId, site.id, 10);
        assert.deepEqual(
          slots.map((s) => [
            s.slot,
            s.status,
            s.intervalSec,
            s.claimedBy,
            s.finishedAt,
            s.responseIDs,
            s.error,
          ]),
          [
            [11, 'failed', 60, 'w1', T0 + 1, [], 'boom'],
            [10, 'done', 60, 'w1', T0, ['r1', 'r2'], null],
          ],
        );
        assert.deepEqual(await f.store.monitors.listSlots(await seedTenant(f.store, 'x'), site.id, 10), []);
      },
    );

    storeTest(
      target,
      'a done slot is appliable once its runs have ended, until it or a newer one is applied; slots show when, and how many issues were open',
      async (f) => {
        const { tenantId, site } = await seedSite(f.store);
        for (const slot of [10, 11, 12]) await f.store.monitors.claimSlot(claim(site.id, slot));
        const leased = await f.store.monitors.claimSlotRuns({
          owner: 'e1',
          now: T0,
          limit: 5,
          leaseMs: 60_000,
        });
        const done = (responseIDs: string[], now: number) => ({
          status: 'done' as const,
          responseIDs,
          error: null,
          now,
        });
        await f.store.monitors.finishSlot('e1', leased[0]!.id, done(['r10'], T0 + 10));
        await f.store.monitors.finishSlot('e1', leased[1]!.id, done(['r11'], T0 + 11));
        // A slot whose runs are gone (purged) has nothing to apply.
        await f.store.monitors.finishSlot('e1', leased[2]!.id, done(['r12'], T0 + 12));
        const run = (slot: number, createdAt: number) =>
          f.store.testRuns.createRun({
            id: `run_${String(slot).padStart(26, '0')}`,
            tenantId,
            responseID: String(slot).padStart(32, '0'),
            projectID: site.projectID,
            siteKey: site.siteKey,
            slot,
            url: 'http://127.0.0.1/',
            async: true,
            request: {},
            eventId: `e${slot}`,
            callbackEventId: `c${slot}`,
            createdAt,
          });
        await run(10, T0 + 5);
        await run(11, T0 - 5);
        // Slot 11's run ends (expired: failed is an end too); slot 12 has no run at all.
        await f.store.testRuns.expireRuns(T0, T0 + 20, { status: 522 }, 522);
        const ready = async (since = T0) =>
          (await f.store.monitors.appliableSlots(since, 10)).map((s) => [s.siteKey, s.slot]);
        // Slot 10's run is still queued; slot 11's has ended.
        assert.deepEqual(await ready(), [[site.siteKey, 11]]);
        assert.deepEqual(await ready(T0 + 12), [], 'only slots finished since');
        await f.store.testRuns.expireRuns(T0 + 10, T0 + 20, { status: 522 }, 522);
        assert.deepEqual(await ready(), [
          [site.siteKey, 10],
          [site.siteKey, 11],
        ]);
        const open = {
          issueID: 'a'.repeat(32),
          url: 'http://127.0.0.1/',
          tID: 1,
          errorTitle: 'A',
          standards: [],
          xpath: '/html',
          status: 'open' as const,
          firstSeen: T0,
          lastSeen: T0,
          updatedAt: T0,
        };
        await f.store.issues.applySlot(tenantId, site.id, 11, T0 + 30, () => ({
          issues: [open],
          events: [],
        }));
        // Slot 10 is older than the one applied: it never will be.
        assert.deepEqual(await ready(), []);
        const slots = await f.store.monitors.listSlots(tenantId, site.id, 10);
        assert.deepEqual(
          slots.map((s) => [s.slot, s.issuesAppliedAt, s.openIssues]),
          [
            [12, null, null],
            [11, T0 + 30, 1],
            [10, null, null],
          ],
        );
      },
    );

    storeTest(target, 'failed slots wait to be announced once, with their site', async (f) => {
      const { site } = await seedSite(f.store);
      for (const slot of [10, 11]) await f.store.monitors.claimSlot(claim(site.id, slot));
      const [s10, s11] = await f.store.monitors.claimSlotRuns({
        owner: 'e1',
        now: T0,
        limit: 5,
        leaseMs: 60_000,
      });
      const failed = (now: number) => ({
        status: 'failed' as const,
        responseIDs: [],
        error: 'sign-in failed',
        now,
      });
      await f.store.monitors.finishSlot('e1', s10!.id, failed(T0 + 10));
      await f.store.monitors.finishSlot('e1', s11!.id, failed(T0 + 20));
      const waiting = async (before: number) =>
        (await f.store.monitors.unannouncedFailures(before, 10)).map((u) => [
          u.slot,
          u.error,
          u.finishedAt,
          u.site.siteKey,
        ]);
      assert.deepEqual(await waiting(T0 + 15), [[10, 'sign-in failed', T0 + 10, site.siteKey]]);
      await f.store.monitors.markSlotAnnounced(s10!.id, T0 + 30);
      assert.deepEqual(await waiting(T0 + 30), [[11, 'sign-in failed', T0 + 20, site.siteKey]]);
    });

    storeTest(target, 'deleting the site deletes its slots', async (f) => {
      const { tenantId, site } = await seedSite(f.store);
      await f.store.monitors.claimSlot(claim(site.id, 10));
      await f.store.builds.deleteSite(tenantId, site.siteKey);
      assert.deepEqual(await f.store.monitors.listSlots(tenantId, site.id, 10), []);
    });
  });
}
