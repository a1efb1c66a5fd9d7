/**
 * The TestRunStore contract (Tenon test runs and their run queue), run against SQLite and
 * PostgreSQL on real databases.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { newId } from '../../../src/domain/ids.ts';
import type { NewTestRun, TestRunOutcome } from '../../../src/store/testruns.ts';
import { storeTest, T0, type ConformanceTarget } from '../conformance/fixtures.ts';

const LEASE = 30_000;
let clock = T0;

function makeRun(tenantId: string, over: Partial<NewTestRun> = {}): NewTestRun {
  clock += 1;
  return {
    id: newId('run', clock),
    tenantId,
    responseID: randomBytes(16).toString('hex'),
    projectID: 'p1',
    siteKey: null,
    slot: null,
    url: 'http://127.0.0.1/a.html',
    async: false,
    request: { mirror: { level: 'AA' } },
    eventId: randomUUID(),
    callbackEventId: randomUUID(),
    createdAt: clock,
    ...over,
  };
}

const done = (finishedAt: number): TestRunOutcome => ({
  status: 'done',
  response: { status: 200, resultSet: [] },
  httpStatus: 200,
  apiLog: { errors: 3 },
  errors: 3,
  warnings: 1,
  finishedAt,
});

const claim = (owner: string, now: number, limit = 10) => ({ owner, now, limit, leaseMs: LEASE });

export function runTestRunStoreConformance(target: ConformanceTarget): void {
  describe('test runs', () => {
    storeTest(target, 'a run is stored queued and read back by responseID, only by its tenant', async (f) => {
      const r = makeRun('ten_a');
      const { created, run } = await f.store.testRuns.createRun(r);
      assert.equal(created, true);
      assert.equal(run.status, 'queued');
      assert.deepEqual(run.request, r.request);
      assert.equal(run.async, false);
      assert.deepEqual(await f.store.testRuns.getRun('ten_a', r.responseID), run);
      assert.equal(await f.store.testRuns.getRun('ten_b', r.responseID), null);
    });

    storeTest(target, 'each page of a monitor slot has one run however often it is enqueued', async (f) => {
      const first = makeRun('ten_a', { siteKey: 'site1', slot: 42 });
      const again = makeRun('ten_a', { siteKey: 'site1', slot: 42 });
      await f.store.testRuns.createRun(first);
      const second = await f.store.testRuns.createRun(again);
      assert.equal(second.created, false);
      assert.equal(second.run.responseID, first.responseID);
      const other = await f.store.testRuns.createRun(makeRun('ten_a', { siteKey: 'site1', slot: 43 }));
      assert.equal(other.created, true);
      // The slot's other pages are runs of their own.
      const page2 = await f.store.testRuns.createRun(
        makeRun('ten_a', { siteKey: 'site1', slot: 42, url: 'http://127.0.0.1/b.html' }),
      );
      assert.equal(page2.created, true);
      assert.notEqual(page2.run.responseID, first.responseID);
    });

    storeTest(target, 'lists are newest first, filtered by project, site and URL, paged', async (f) => {
      const a = makeRun('ten_a', { projectID: 'p1' });
      const b = makeRun('ten_a', { projectID: 'p2', siteKey: 's', slot: 1, url: 'http://127.0.0.1/b' });
      const c = makeRun('ten_a', { projectID: 'p1', url: null });
      for (const r of [a, b, c, makeRun('ten_b')]) await f.store.testRuns.createRun(r);
      const ids = async (filter: object) =>
        (await f.store.testRuns.listRuns('ten_a', { limit: 10, ...filter })).map((r) => r.id);
      assert.deepEqual(await ids({}), [c.id, b.id, a.id]);
      assert.deepEqual(await ids({ projectID: 'p1' }), [c.id, a.id]);
      assert.deepEqual(await ids({ siteKey: 's' }), [b.id]);
      assert.deepEqual(await ids({ url: 'http://127.0.0.1/b' }), [b.id]);
      assert.deepEqual(await ids({ limit: 1, after: c.id }), [b.id]);
    });

    storeTest(target, "claims are fair: each tenant's oldest run before any tenant's second", async (f) => {
      const busy = [makeRun('ten_busy'), makeRun('ten_busy'), makeRun('ten_busy')];
      const quiet = makeRun('ten_quiet');
      for (const r of [...busy, quiet]) await f.store.testRuns.createRun(r);
      const claimed = await f.store.testRuns.claimRuns(claim('w1', T0 + 10_000, 2));
      assert.deepEqual(claimed.map((r) => r.id).sort(), [busy[0]!.id, quiet.id].sort());
      assert.ok(claimed.every((r) => r.status === 'running' && r.leaseOwner === 'w1' && r.attempts === 1));
    });

    storeTest(target, 'a live lease is not taken; one that ran out is, with attempts + 1', async (f) => {
      const r = makeRun('ten_a');
      await f.store.testRuns.createRun(r);
      const now = T0 + 10_000;
      assert.equal((await f.store.testRuns.claimRuns(claim('w1', now))).length, 1);
      assert.deepEqual(await f.store.testRuns.claimRuns(claim('w2', now + 1000)), []);
      assert.equal(await f.store.leases.extend('test_runs', 'w1', [r.id], now + 2 * LEASE), 1);
      assert.deepEqual(await f.store.testRuns.claimRuns(claim('w2', now + LEASE + 1)), []);
      const [taken] = await f.store.testRuns.claimRuns(claim('w2', now + 2 * LEASE + 1));
      assert.equal(taken?.id, r.id);
      assert.equal(taken?.attempts, 2);
      assert.equal(taken?.leaseOwner, 'w2');
      // The first owner's result is dropped: it no longer holds the run.
      assert.equal(await f.store.testRuns.finishRun('w1', r.id, done(now)), false);
      assert.equal(await f.store.testRuns.finishRun('w2', r.id, done(now + 5)), true);
      const finished = await f.store.testRuns.getRun('ten_a', r.responseID);
      assert.equal(finished?.status, 'done');
      assert.deepEqual(finished?.response, done(0).response);
      assert.deepEqual(finished?.apiLog, { errors: 3 });
      assert.equal(finished?.errors, 3);
      assert.equal(finished?.leaseOwner, null);
    });

    storeTest(target, 'two stores claiming at once never get the same run', async (f) => {
      const other = await f.openAnother();
      for (let i = 0; i < 20; i++) await f.store.testRuns.createRun(makeRun(`ten_${i % 3}`));
      const now = T0 + 10_000;
      const [a, b] = await Promise.all([
        f.store.testRuns.claimRuns(claim('w1', now, 12)),
        other.testRuns.claimRuns(claim('w2', now, 12)),
      ]);
      const ids = [...a, ...b].map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length);
      const rest = await f.store.testRuns.claimRuns(claim('w3', now, 20));
      assert.equal(ids.length + rest.length, 20);
    });

    storeTest(target, 'a graceful stop hands runs back queued, to be claimed again at once', async (f) => {
      const r = makeRun('ten_a');
      await f.store.testRuns.createRun(r);
      await f.store.testRuns.claimRuns(claim('w1', T0 + 10_000));
      await f.store.leases.release('test_runs', 'w1', [r.id]);
      assert.equal((await f.store.testRuns.getRun('ten_a', r.responseID))?.status, 'queued');
      const [again] = await f.store.testRuns.claimRuns(claim('w2', T0 + 10_001));
      assert.equal(again?.attempts, 2);
    });

    storeTest(
      target,
      'runs past their time fail; a run under a live lease is left to its worker',
      async (f) => {
        // Made first, so the one claim below takes it.
        const running = makeRun('ten_a', { createdAt: T0 });
        const queued = makeRun('ten_a', { createdAt: T0 });
        const young = makeRun('ten_a', { createdAt: T0 + 50_000 });
        for (const r of [running, queued, young]) await f.store.testRuns.createRun(r);
        await f.store.testRuns.claimRuns(claim('w1', T0 + 1, 1));
        const body = { status: 522, code: 'doc_source_unavailable' };
        assert.equal(await f.store.testRuns.expireRuns(T0 + 10_000, T0 + 20_000, body, 522), 1);
        const failed = await f.store.testRuns.getRun('ten_a', queued.responseID);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.httpStatus, 522);
        assert.deepEqual(failed?.response, body);
        assert.equal((await f.store.testRuns.getRun('ten_a', running.responseID))?.status, 'running');
        assert.equal((await f.store.testRuns.getRun('ten_a', young.responseID))?.status, 'queued');
      },
    );

    storeTest(
      target,
      'finished runs wait to be announced; retention deletes only announced old ones',
      async (f) => {
        const old = makeRun('ten_a');
        const recent = makeRun('ten_a');
        for (const r of [old, recent]) await f.store.testRuns.createRun(r);
        await f.store.testRuns.claimRuns(claim('w1', T0 + 1));
        await f.store.testRuns.finishRun('w1', old.id, done(T0 + 100));
        await f.store.testRuns.finishRun('w1', recent.id, done(T0 + 900));
        assert.deepEqual(
          (await f.store.testRuns.listUnannounced(T0 + 1000, 10)).map((r) => r.id),
          [old.id, recent.id],
        );
        assert.deepEqual(
          (await f.store.testRuns.listUnannounced(T0 + 500, 10)).map((r) => r.id),
          [old.id],
        );
        assert.equal(await f.store.testRuns.purgeRuns(T0 + 500), 0, 'unannounced runs are kept');
        await f.store.testRuns.markAnnounced('ten_a', old.id, T0 + 1000);
        await f.store.testRuns.markAnnounced('ten_a', recent.id, T0 + 1000);
        assert.deepEqual(await f.store.testRuns.listUnannounced(T0 + 1000, 10), []);
        assert.equal(await f.store.testRuns.purgeRuns(T0 + 500), 1);
        assert.equal(await f.store.testRuns.getRun('ten_a', old.responseID), null);
        assert.ok(await f.store.testRuns.getRun('ten_a', recent.responseID));
      },
    );
  });
}
