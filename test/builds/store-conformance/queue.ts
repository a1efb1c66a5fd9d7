import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ConformanceTarget } from './fixtures.ts';
import { failed, finishedBuild, makeBuild, makeRuns, passed, seedTenant, storeTest, T0 } from './fixtures.ts';

const LEASE = 60_000;

export function buildTests(target: ConformanceTarget): void {
  describe('builds', () => {
    storeTest(
      target,
      'a build and its runs are stored together and read back in report order',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const build = makeBuild(tenantId);
        const runs = makeRuns(build, 4);
        await store.builds.createBuild(build, [...runs].reverse());
        assert.deepEqual(await store.builds.getBuild(tenantId, build.id), build);
        assert.deepEqual(await store.builds.listRuns(tenantId, build.id), runs);
      },
    );

    storeTest(
      target,
      'builds list newest first, by project, and only for their tenant',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const other = await seedTenant(store, 'other');
        const a = makeBuild(tenantId, { projectID: 'p1' });
        const b = makeBuild(tenantId, { projectID: 'p2' });
        const c = makeBuild(tenantId, { projectID: 'p1' });
        for (const x of [a, b, c]) await store.builds.createBuild(x, makeRuns(x, 1));
        assert.deepEqual(
          (await store.builds.listBuilds(tenantId, { limit: 10 })).map((x) => x.id),
          [c.id, b.id, a.id],
        );
        assert.deepEqual(
          (await store.builds.listBuilds(tenantId, { limit: 10, projectID: 'p1', after: c.id })).map(
            (x) => x.id,
          ),
          [a.id],
        );
        assert.equal(await store.builds.getBuild(other, a.id), null);
        assert.deepEqual(await store.builds.listRuns(other, a.id), []);
        assert.deepEqual(await store.builds.listBuilds(other, { limit: 10 }), []);
      },
    );

    storeTest(
      target,
      'the previous finished build is the last to finish before, with the same key',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const other = await seedTenant(store, 'other');
        const key = 'trace:trc_1';
        const first = await finishedBuild(store, tenantId, { changeKey: key }, ['passed'], T0 + 100);
        await finishedBuild(store, tenantId, { changeKey: 'trace:trc_2' }, ['passed'], T0 + 150);
        await finishedBuild(store, other, { changeKey: key }, ['passed'], T0 + 160);
        const second = await finishedBuild(store, tenantId, { changeKey: key }, ['failed'], T0 + 200);
        const running = makeBuild(tenantId, { changeKey: key });
        await store.builds.createBuild(running, makeRuns(running, 1));
        const third = await finishedBuild(store, tenantId, { changeKey: key }, ['passed'], T0 + 300);
        assert.equal(await store.builds.previousFinishedBuild(first), null);
        assert.equal((await store.builds.previousFinishedBuild(second))?.id, first.id);
        assert.equal((await store.builds.previousFinishedBuild(third))?.id, second.id);
        // A build still running compares with the last finished one.
        assert.equal((await store.builds.previousFinishedBuild(running))?.id, third.id);
        // Builds that finish in the same millisecond are ordered by id.
        const tieA = await finishedBuild(store, tenantId, { changeKey: 'tie' }, ['passed'], T0 + 400);
        const tieB = await finishedBuild(store, tenantId, { changeKey: 'tie' }, ['passed'], T0 + 400);
        assert.equal(await store.builds.previousFinishedBuild(tieA), null);
        assert.equal((await store.builds.previousFinishedBuild(tieB))?.id, tieA.id);
      },
    );
  });
}

export function runQueueTests(target: ConformanceTarget): void {
  describe('the build queue', () => {
    storeTest(
      target,
      'claimRuns leases the oldest queued runs, each once, with their build',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const older = makeBuild(tenantId);
        const newer = makeBuild(tenantId);
        const olderRuns = makeRuns(older, 2);
        await store.builds.createBuild(older, olderRuns);
        await store.builds.createBuild(newer, makeRuns(newer, 2));
        const first = await store.builds.claimRuns({ owner: 'w1', now: T0, limit: 3, leaseMs: LEASE });
        assert.deepEqual(
          first.map((c) => c.run.buildId),
          [older.id, older.id, newer.id],
        );
        assert.deepEqual(first[0]!.build, older);
        assert.deepEqual(first[0]!.run, {
          ...olderRuns[0],
          status: 'running',
          attempts: 1,
          leaseOwner: 'w1',
          leaseUntil: T0 + LEASE,
          startedAt: T0,
        });
        const second = await store.builds.claimRuns({ owner: 'w2', now: T0, limit: 10, leaseMs: LEASE });
        assert.equal(second.length, 1);
        assert.equal(second[0]!.run.buildId, newer.id);
        assert.deepEqual(
          await store.builds.claimRuns({ owner: 'w3', now: T0, limit: 10, leaseMs: LEASE }),
          [],
        );
        assert.deepEqual(
          await store.builds.claimRuns({ owner: 'w3', now: T0, limit: 0, leaseMs: LEASE }),
          [],
        );
      },
    );

    storeTest(
      target,
      "a dead owner's runs are taken over early; a living owner's never",
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const build = makeBuild(tenantId);
        await store.builds.createBuild(build, makeRuns(build, 2));
        await store.registerWorker('dead', T0);
        await store.registerWorker('slow', T0);
        const [a] = await store.builds.claimRuns({ owner: 'dead', now: T0, limit: 1, leaseMs: 600_000 });
        const [b] = await store.builds.claimRuns({ owner: 'slow', now: T0, limit: 1, leaseMs: 1000 });
        // 'slow' heartbeats and its lease runs out; 'dead' stopped heartbeating 15 s ago.
        await store.heartbeatWorker('slow', T0 + 15_000);
        const taken = await store.builds.claimRuns({
          owner: 'heir',
          now: T0 + 15_000,
          limit: 10,
          leaseMs: LEASE,
        });
        assert.deepEqual(
          taken.map((c) => c.run.id),
          [a!.run.id],
        );
        assert.notEqual(b, undefined);
      },
    );

    storeTest(target, 'a run whose lease ran out is claimed again (its worker died)', async ({ store }) => {
      const tenantId = await seedTenant(store);
      const build = makeBuild(tenantId);
      await store.builds.createBuild(build, makeRuns(build, 1));
      const [claimed] = await store.builds.claimRuns({ owner: 'dead', now: T0, limit: 1, leaseMs: 1000 });
      assert.deepEqual(
        await store.builds.claimRuns({ owner: 'w2', now: T0 + 999, limit: 1, leaseMs: LEASE }),
        [],
      );
      const [again] = await store.builds.claimRuns({ owner: 'w2', now: T0 + 1000, limit: 1, leaseMs: LEASE });
      assert.equal(again?.run.id, claimed?.run.id);
      assert.equal(again?.run.attempts, 2);
      assert.equal(again?.run.startedAt, T0);
      // The dead worker's late result is dropped; the new owner's counts.
      assert.deepEqual(await store.builds.finishRun('dead', claimed!.run.id, passed()), {
        recorded: false,
        buildFinished: false,
      });
      assert.deepEqual(await store.builds.finishRun('w2', claimed!.run.id, passed()), {
        recorded: true,
        buildFinished: true,
      });
    });

    storeTest(
      target,
      "heartbeats extend only the owner's leases; released runs are claimable at once",
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const build = makeBuild(tenantId);
        await store.builds.createBuild(build, makeRuns(build, 2));
        const claimed = await store.builds.claimRuns({ owner: 'w1', now: T0, limit: 2, leaseMs: 1000 });
        const ids = claimed.map((c) => c.run.id);
        assert.equal(await store.leases.extend('build_runs', 'w1', ids, T0 + 10_000), 2);
        assert.equal(await store.leases.extend('build_runs', 'w2', ids, T0 + 99_000), 0);
        assert.deepEqual(
          await store.builds.claimRuns({ owner: 'w2', now: T0 + 5000, limit: 2, leaseMs: LEASE }),
          [],
        );
        await store.leases.release('build_runs', 'w2', ids);
        assert.deepEqual(
          await store.builds.claimRuns({ owner: 'w2', now: T0 + 5000, limit: 2, leaseMs: LEASE }),
          [],
        );
        await store.leases.release('build_runs', 'w1', [ids[0]!]);
        const runs = await store.builds.listRuns(tenantId, build.id);
        assert.deepEqual(
          runs.map((r) => [r.status, r.leaseOwner]),
          [
            ['queued', null],
            ['running', 'w1'],
          ],
        );
        const back = await store.builds.claimRuns({ owner: 'w2', now: T0 + 5000, limit: 2, leaseMs: LEASE });
        assert.deepEqual(
          back.map((c) => [c.run.id, c.run.attempts]),
          [[ids[0], 2]],
        );
      },
    );

    storeTest(
      target,
      'two workers claiming at once never get the same run',
      async ({ store, openAnother }) => {
        const other = await openAnother();
        const tenantId = await seedTenant(store);
        const build = makeBuild(tenantId);
        await store.builds.createBuild(build, makeRuns(build, 40));
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 ? store : other).builds.claimRuns({ owner: `w${i}`, now: T0, limit: 7, leaseMs: LEASE }),
          ),
        );
        const ids = results.flat().map((c) => c.run.id);
        assert.equal(ids.length, 40);
        assert.equal(new Set(ids).size, 40);
      },
    );

    storeTest(
      target,
      'finishing runs records outcomes and screenshots; the last one finishes the build once',
      async ({ store }) => {
        const tenantId = await seedTenant(store);
        const build = makeBuild(tenantId);
        await store.builds.createBuild(build, makeRuns(build, 2));
        const [a, b] = await store.builds.claimRuns({ owner: 'w', now: T0, limit: 2, leaseMs: LEASE });
        const bad = failed(T0 + 700);
        assert.deepEqual(await store.builds.finishRun('w', a!.run.id, bad), {
          recorded: true,
          buildFinished: false,
        });
        assert.equal((await store.builds.getBuild(tenantId, build.id))?.status, 'RUNNING');
        assert.deepEqual(await store.builds.finishRun('w', b!.run.id, passed(T0 + 900)), {
          recorded: true,
          buildFinished: true,
        });
        assert.deepEqual(await store.builds.finishRun('w', b!.run.id, passed(T0 + 901)), {
          recorded: false,
          buildFinished: false,
        });
        const finished = await store.builds.getBuild(tenantId, build.id);
        assert.equal(finished?.status, 'FINISHED');
        assert.equal(finished?.finishedAt, T0 + 900);
        const runs = await store.builds.listRuns(tenantId, build.id);
        assert.deepEqual(runs[0], {
          ...a!.run,
          status: 'failed',
          leaseOwner: null,
          leaseUntil: null,
          finishedAt: T0 + 700,
          durationMs: 1500,
          error: bad.error,
          failedStep: 1,
          screenshotToken: bad.screenshot!.token,
        });
        assert.equal(runs[1]?.status, 'passed');
        assert.equal(runs[1]?.durationMs, 813);
        assert.equal(runs[1]?.error, null);
        const shot = await store.builds.getScreenshot(bad.screenshot!.token);
        assert.deepEqual(shot, { tenantId, buildId: build.id, png: Buffer.from(bad.screenshot!.png) });
        assert.equal(await store.builds.getScreenshot('no-such-token'), null);
      },
    );

    storeTest(
      target,
      'runs finishing at once on two connections finish their build exactly once',
      async ({ store, openAnother }) => {
        const other = await openAnother();
        const tenantId = await seedTenant(store);
        for (let round = 0; round < 5; round++) {
          const build = makeBuild(tenantId);
          await store.builds.createBuild(build, makeRuns(build, 4));
          const claimed = await store.builds.claimRuns({ owner: 'w', now: T0, limit: 4, leaseMs: LEASE });
          const results = await Promise.all(
            claimed.map((c, i) => (i % 2 ? store : other).builds.finishRun('w', c.run.id, passed())),
          );
          assert.ok(results.every((r) => r.recorded));
          assert.equal(results.filter((r) => r.buildFinished).length, 1, `round ${round}`);
          assert.equal((await store.builds.getBuild(tenantId, build.id))?.status, 'FINISHED');
        }
      },
    );

    storeTest(target, 'a build past its deadline fails its waiting runs and finishes', async ({ store }) => {
      const tenantId = await seedTenant(store);
      const late = makeBuild(tenantId, { deadlineAt: T0 + 1000 });
      const onTime = makeBuild(tenantId, { deadlineAt: T0 + 99_000 });
      await store.builds.createBuild(late, makeRuns(late, 3));
      await store.builds.createBuild(onTime, makeRuns(onTime, 1));
      // One run still held by a live worker, one whose worker died, one never started.
      const [live] = await store.builds.claimRuns({ owner: 'live', now: T0, limit: 1, leaseMs: 10_000 });
      const [dead] = await store.builds.claimRuns({ owner: 'dead', now: T0, limit: 1, leaseMs: 500 });
      assert.deepEqual(await store.builds.expireRuns(T0 + 999, 'out of time'), []);
      assert.deepEqual(await store.builds.expireRuns(T0 + 1000, 'out of time'), []);
      const runs = await store.builds.listRuns(tenantId, late.id);
      assert.deepEqual(
        runs.map((r) => [r.id, r.status, r.error?.message ?? null]),
        [
          [live!.run.id, 'running', null],
          [dead!.run.id, 'failed', 'out of time'],
          [runs[2]!.id, 'failed', 'out of time'],
        ],
      );
      assert.equal(runs[1]?.durationMs, 1000);
      assert.equal(runs[2]?.durationMs, 0);
      // The live worker records its own deadline failure; the build is then finished.
      assert.equal(
        (await store.builds.finishRun('live', live!.run.id, failed(T0 + 1001))).buildFinished,
        true,
      );
      assert.deepEqual(await store.builds.expireRuns(T0 + 2000, 'out of time'), []);
      // A late build whose last worker died is finished by the sweep itself.
      const orphan = makeBuild(tenantId, { deadlineAt: T0 + 3000 });
      await store.builds.createBuild(orphan, makeRuns(orphan, 1));
      assert.deepEqual(await store.builds.expireRuns(T0 + 3000, 'out of time'), [
        { tenantId, buildId: orphan.id },
      ]);
      assert.equal((await store.builds.getBuild(tenantId, onTime.id))?.status, 'RUNNING');
    });

    storeTest(target, 'finished builds are listed until marked reported', async ({ store }) => {
      const tenantId = await seedTenant(store);
      const a = await finishedBuild(store, tenantId, {}, ['passed'], T0 + 100);
      const b = await finishedBuild(store, tenantId, {}, ['failed'], T0 + 200);
      const running = makeBuild(tenantId);
      await store.builds.createBuild(running, makeRuns(running, 1));
      assert.deepEqual(
        (await store.builds.listUnreportedBuilds(T0 + 150, 10)).map((x) => x.id),
        [a.id],
      );
      assert.deepEqual(
        (await store.builds.listUnreportedBuilds(T0 + 500, 10)).map((x) => x.id),
        [a.id, b.id],
      );
      await store.builds.markReported(tenantId, a.id, T0 + 600);
      await store.builds.markReported(tenantId, a.id, T0 + 700);
      assert.equal((await store.builds.getBuild(tenantId, a.id))?.reportedAt, T0 + 600);
      assert.deepEqual(
        (await store.builds.listUnreportedBuilds(T0 + 500, 10)).map((x) => x.id),
        [b.id],
      );
    });
  });
}
