import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import { finishedBuild, makeBuild, makeRuns, passed, seedTenant, storeTest, T0 } from './fixtures.ts';

const LEASE = 60_000;
const claim = (store: Parameters<Parameters<typeof storeTest>[2]>[0]['store'], limit: number, now = T0) =>
  store.builds.claimRuns({ owner: 'w', now, limit, leaseMs: LEASE });

export function fairnessAndRetentionTests(target: ConformanceTarget): void {
  describe('the build queue is fair across tenants', () => {
    storeTest(
      target,
      'tenants take turns: one run each, oldest first, then the next round',
      async ({ store }) => {
        const a = await seedTenant(store, 'a');
        const b = await seedTenant(store, 'b');
        const c = await seedTenant(store, 'c');
        const big = makeBuild(a);
        const mid = makeBuild(b);
        const small = makeBuild(c);
        await store.builds.createBuild(big, makeRuns(big, 6));
        await store.builds.createBuild(mid, makeRuns(mid, 2));
        await store.builds.createBuild(small, makeRuns(small, 1));
        const first = await claim(store, 3);
        assert.deepEqual(
          first.map((x) => x.run.tenantId),
          [a, b, c],
        );
        const second = await claim(store, 3);
        // claimRuns returns its runs by id: the choice is what counts (a's second, b's second, a's third).
        assert.deepEqual(
          second.map((x) => `${x.run.tenantId}:${x.run.position}`).sort(),
          [`${a}:1`, `${a}:2`, `${b}:1`].sort(),
        );
      },
    );

    storeTest(
      target,
      "a tenant holding the workers does not keep another's new build waiting behind its older runs",
      async ({ store }) => {
        const a = await seedTenant(store, 'a');
        const b = await seedTenant(store, 'b');
        const slow = makeBuild(a);
        await store.builds.createBuild(slow, makeRuns(slow, 10));
        assert.equal((await claim(store, 2)).length, 2);
        const late = makeBuild(b);
        await store.builds.createBuild(late, makeRuns(late, 1));
        // One slot frees: b's first run goes before a's third, though a's is older.
        const [next] = await claim(store, 1, T0 + 1000);
        assert.equal(next!.run.buildId, late.id);
        // A lease that ran out (its worker died) no longer counts as a's share.
        const [after] = await claim(store, 1, T0 + LEASE + 1);
        assert.equal(after!.run.tenantId, a);
      },
    );

    storeTest(target, 'one slot at a time, tenants still alternate', async ({ store }) => {
      const a = await seedTenant(store, 'a');
      const b = await seedTenant(store, 'b');
      const long = makeBuild(a);
      await store.builds.createBuild(long, makeRuns(long, 4));
      const [a0] = await claim(store, 1);
      const other = makeBuild(b);
      await store.builds.createBuild(other, makeRuns(other, 2));
      // a's first run is done (its build still runs): b has had nothing yet, so b goes next.
      await store.builds.finishRun('w', a0!.run.id, passed(T0 + 10));
      const order: string[] = [];
      for (let i = 0; i < 5; i++) {
        const [c] = await claim(store, 1, T0 + 20 + i);
        order.push(c!.run.tenantId === a ? 'a' : 'b');
        await store.builds.finishRun('w', c!.run.id, passed(T0 + 30 + i));
      }
      assert.deepEqual(order, ['b', 'a', 'b', 'a', 'a']);
    });
  });

  describe('build retention', () => {
    storeTest(
      target,
      'purgeBuilds deletes finished builds older than the cutoff with their runs and screenshots',
      async ({ store }) => {
        const a = await seedTenant(store, 'a');
        const old = await finishedBuild(store, a, {}, ['failed', 'passed'], T0 + 100);
        const recent = await finishedBuild(store, a, {}, ['failed'], T0 + 5000);
        const running = makeBuild(a, { requestedAt: T0 });
        await store.builds.createBuild(running, makeRuns(running, 1));
        const oldShot = (await store.builds.listRuns(a, old.id)).find(
          (r) => r.screenshotToken,
        )!.screenshotToken!;
        const recentShot = (await store.builds.listRuns(a, recent.id))[0]!.screenshotToken!;
        assert.ok(await store.builds.getScreenshot(oldShot));

        assert.deepEqual(await store.builds.purgeBuilds(T0 + 1000), { builds: 1, runs: 2, screenshots: 1 });
        assert.equal(await store.builds.getBuild(a, old.id), null);
        assert.deepEqual(await store.builds.listRuns(a, old.id), []);
        assert.equal(await store.builds.getScreenshot(oldShot), null);
        assert.ok(await store.builds.getBuild(a, recent.id));
        assert.ok(await store.builds.getScreenshot(recentShot));
        // A running build stays, however old; nothing is left to purge twice.
        assert.deepEqual(await store.builds.purgeBuilds(T0 + 1_000_000), {
          builds: 1,
          runs: 1,
          screenshots: 1,
        });
        assert.equal((await store.builds.getBuild(a, running.id))?.status, 'RUNNING');
        assert.deepEqual(await store.builds.purgeBuilds(T0 + 1_000_000), {
          builds: 0,
          runs: 0,
          screenshots: 0,
        });
      },
    );

    storeTest(target, 'purgeBuilds works through more builds than one chunk', async ({ store }) => {
      const a = await seedTenant(store, 'a');
      for (let i = 0; i < 130; i++) await finishedBuild(store, a, {}, ['passed'], T0 + 100 + i);
      assert.deepEqual(await store.builds.purgeBuilds(T0 + 1000), { builds: 130, runs: 130, screenshots: 0 });
      assert.deepEqual(await store.builds.listBuilds(a, { limit: 10 }), []);
    });
  });
}
