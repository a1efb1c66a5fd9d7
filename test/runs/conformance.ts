/**
 * The leased-run contract (issue 15), one suite over every kind of run the engine drives
 * ({build runs, test runs, monitor slots}) on every backend ({SQLite, PostgreSQL}): claims with
 * leases and fair share, heartbeats and hand-backs, owner liveness through `workers`, and the
 * release on reopen. Each kind says only how to queue one row of its table and how to claim.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { DEFAULT_MONITOR } from '../../src/domain/monitors.ts';
import { newId } from '../../src/domain/ids.ts';
import type { ClaimOptions, LeasedTable } from '../../src/store/leased.ts';
import type { Store } from '../../src/store/store.ts';
import {
  makeBuild,
  makeProject,
  makeRuns,
  makeSite,
  seedTenant,
  storeTest,
  T0,
  type ConformanceTarget,
} from '../builds/store-conformance/fixtures.ts';

const LEASE = 600_000;
const DEAD_AFTER = 15_000;

interface Claimed {
  id: string;
  tenantId: string;
  attempts: number;
}

/** A kind of run, as the suite sees it. */
export interface LeasedKind {
  name: string;
  table: LeasedTable;
  /** Queues `n` rows of the tenant, oldest first; answers their ids. */
  queue(store: Store, tenantId: string, n: number): Promise<string[]>;
  claim(store: Store, opts: ClaimOptions): Promise<Claimed[]>;
}

let clock = T0 - 1_000_000;

export const KINDS: LeasedKind[] = [
  {
    name: 'build runs',
    table: 'build_runs',
    async queue(store, tenantId, n) {
      const build = makeBuild(tenantId, { deadlineAt: T0 + 10 * LEASE });
      const runs = makeRuns(build, n);
      await store.builds.createBuild(build, runs);
      return runs.map((r) => r.id);
    },
    claim: async (store, opts) =>
      (await store.builds.claimRuns(opts)).map(({ run }) => ({
        id: run.id,
        tenantId: run.tenantId,
        attempts: run.attempts,
      })),
  },
  {
    name: 'test runs',
    table: 'test_runs',
    async queue(store, tenantId, n) {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        clock += 1;
        const id = newId('run', clock);
        await store.testRuns.createRun({
          id,
          tenantId,
          responseID: randomBytes(16).toString('hex'),
          projectID: 'p1',
          siteKey: null,
          slot: null,
          url: 'http://127.0.0.1/a.html',
          async: true,
          request: {},
          eventId: randomUUID(),
          callbackEventId: randomUUID(),
          createdAt: T0,
        });
        ids.push(id);
      }
      return ids;
    },
    claim: async (store, opts) =>
      (await store.testRuns.claimRuns(opts)).map((r) => ({
        id: r.id,
        tenantId: r.tenantId,
        attempts: r.attempts,
      })),
  },
  {
    name: 'monitor slots',
    table: 'monitor_slots',
    async queue(store, tenantId, n) {
      const project = makeProject(tenantId);
      await store.builds.createProject(project);
      const site = makeSite(tenantId, project.projectID);
      await store.builds.createSite(site);
      await store.monitors.setSettings(tenantId, site.siteKey, { ...DEFAULT_MONITOR, intervalSec: 60 }, T0);
      const ids: string[] = [];
      for (let slot = 1; slot <= n; slot++) {
        clock += 1;
        assert.ok(
          await store.monitors.claimSlot({
            siteId: site.id,
            slot,
            intervalSec: 60,
            owner: 'sched',
            now: clock,
          }),
        );
        const [row] = (await store.monitors.listSlots(tenantId, site.id, 1)) ?? [];
        ids.push(row!.id);
      }
      return ids;
    },
    claim: async (store, opts) =>
      (await store.monitors.claimSlotRuns(opts)).map((s) => ({
        id: s.id,
        tenantId: s.tenantId,
        attempts: s.attempts,
      })),
  },
];

const opts = (owner: string, now: number, limit = 10, leaseMs = LEASE): ClaimOptions => ({
  owner,
  now,
  limit,
  leaseMs,
});

export function runLeasedConformance(target: ConformanceTarget): void {
  for (const kind of KINDS) {
    describe(`leased runs: ${kind.name}`, () => {
      storeTest(
        target,
        'a claim leases each open row once, attempts + 1; two stores never share one',
        async (f) => {
          const tenantId = await seedTenant(f.store);
          const ids = await kind.queue(f.store, tenantId, 6);
          const other = await f.openAnother();
          const [a, b] = await Promise.all([
            kind.claim(f.store, opts('w1', T0, 3)),
            kind.claim(other, opts('w2', T0, 3)),
          ]);
          const claimed = [...a, ...b].map((c) => c.id);
          assert.equal(new Set(claimed).size, claimed.length);
          assert.deepEqual([...claimed].sort(), [...ids].sort());
          assert.ok([...a, ...b].every((c) => c.attempts === 1));
          assert.deepEqual(await kind.claim(f.store, opts('w3', T0 + 1000)), []);
        },
      );

      storeTest(
        target,
        "heartbeats extend only the owner's leases; a release hands back at once",
        async (f) => {
          const tenantId = await seedTenant(f.store);
          await kind.queue(f.store, tenantId, 2);
          const ids = (await kind.claim(f.store, opts('w1', T0, 2, 1000))).map((c) => c.id);
          assert.equal(await f.store.leases.extend(kind.table, 'w1', ids, T0 + 60_000), 2);
          assert.equal(await f.store.leases.extend(kind.table, 'w2', ids, T0 + 99_000), 0);
          assert.deepEqual(await kind.claim(f.store, opts('w2', T0 + 5000)), []);
          await f.store.leases.release(kind.table, 'w2', ids);
          assert.deepEqual(await kind.claim(f.store, opts('w2', T0 + 5000)), []);
          await f.store.leases.release(kind.table, 'w1', [ids[0]!]);
          const again = await kind.claim(f.store, opts('w2', T0 + 5000));
          assert.deepEqual(
            again.map((c) => [c.id, c.attempts]),
            [[ids[0], 2]],
          );
        },
      );

      storeTest(target, "a dead owner's run is taken before its lease ends", async (f) => {
        const tenantId = await seedTenant(f.store);
        const [id] = await kind.queue(f.store, tenantId, 1);
        await f.store.registerWorker('dead', T0);
        assert.equal((await kind.claim(f.store, opts('dead', T0))).length, 1);
        // Its heartbeat is older than deadAfterMs; its lease still has minutes to run.
        const now = T0 + DEAD_AFTER + 1000;
        const [taken] = await kind.claim(f.store, opts('alive', now));
        assert.equal(taken?.id, id);
        assert.equal(taken?.attempts, 2);
      });

      storeTest(target, 'a living owner is never robbed, even once its lease ran out', async (f) => {
        const tenantId = await seedTenant(f.store);
        const [id] = await kind.queue(f.store, tenantId, 1);
        await f.store.registerWorker('slow', T0);
        assert.equal((await kind.claim(f.store, opts('slow', T0, 1, 1000))).length, 1);
        await f.store.heartbeatWorker('slow', T0 + 5000);
        assert.deepEqual(await kind.claim(f.store, opts('other', T0 + 5000)), []);
        // Not while it still runs it (a heartbeat late under load)...
        assert.deepEqual(await kind.claim(f.store, { ...opts('slow', T0 + 5000), exclude: [id!] }), []);
        // ...but the owner itself takes back its own run once the lease ran out.
        assert.equal((await kind.claim(f.store, opts('slow', T0 + 5000))).length, 1);
      });

      storeTest(target, "tenants take turns: one tenant's burst does not starve another's one", async (f) => {
        const a = await seedTenant(f.store, 'a');
        const b = await seedTenant(f.store, 'b');
        await kind.queue(f.store, a, 5);
        const [bOnly] = await kind.queue(f.store, b, 1);
        const first = await kind.claim(f.store, opts('w', T0, 2));
        assert.deepEqual(first.map((c) => c.tenantId).sort(), [a, b].sort());
        assert.ok(first.some((c) => c.id === bOnly));
        // a holds one under a live lease: with b's done, a's next runs one at a time.
        const next = await kind.claim(f.store, opts('w', T0 + 1, 10));
        assert.equal(next.length, 4);
        assert.ok(next.every((c) => c.tenantId === a));
      });

      if (target.dialect === 'sqlite') {
        storeTest(target, 'reopening releases every leased table', async (f) => {
          const tenantId = await seedTenant(f.store);
          const ids = await kind.queue(f.store, tenantId, 2);
          await f.store.registerWorker('killed', T0);
          assert.equal((await kind.claim(f.store, opts('killed', T0))).length, 2);
          // A restarted Herald owns the file: every lease of the killed process is dropped.
          const restarted = await f.reopen();
          const again = await kind.claim(restarted, opts('restarted', T0 + 1000));
          assert.deepEqual(again.map((c) => c.id).sort(), [...ids].sort());
        });
      } else {
        storeTest(
          target,
          'reopening keeps the leases of living owners (other processes share the database)',
          async (f) => {
            const tenantId = await seedTenant(f.store);
            await kind.queue(f.store, tenantId, 1);
            await f.store.registerWorker('living', T0);
            assert.equal((await kind.claim(f.store, opts('living', T0))).length, 1);
            const restarted = await f.reopen();
            assert.deepEqual(await kind.claim(restarted, opts('restarted', T0 + 1000)), []);
          },
        );
      }
    });
  }
}
