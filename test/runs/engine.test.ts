/**
 * The run engine's own rules, on a real SQLite store with a kind whose execute the test
 * controls: the attempt cap, the deadline, the bounded stop that hands work back, the owner's
 * registration in `workers`, and the one lifecycle callback around each run.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import type { TestRun, TestRunOutcome } from '../../src/domain/testruns.ts';
import { createLogger } from '../../src/log.ts';
import { RunEngine } from '../../src/runs/engine.ts';
import type { RunInfo, RunKind } from '../../src/runs/kind.ts';
import { sqliteTarget, type StoreFixture } from '../helpers/store-targets.ts';

const outcome = (status: 'done' | 'failed', note: string): TestRunOutcome => ({
  status,
  response: { note },
  httpStatus: status === 'done' ? 200 : 500,
  apiLog: null,
  errors: null,
  warnings: null,
  finishedAt: Date.now(),
});

describe('RunEngine', () => {
  let f: StoreFixture;
  let engine: RunEngine<TestRun, TestRunOutcome> | null = null;
  beforeEach(async () => {
    f = await sqliteTarget().fresh();
  });
  afterEach(async () => {
    await engine?.stop();
    engine = null;
    await f.close();
  });

  async function queue(over: { attempts?: number } = {}): Promise<string> {
    const id = newId('run');
    await f.store.testRuns.createRun({
      id,
      tenantId: 'ten_a',
      responseID: randomBytes(16).toString('hex'),
      projectID: 'p',
      siteKey: null,
      slot: null,
      url: null,
      async: true,
      request: {},
      eventId: randomUUID(),
      callbackEventId: randomUUID(),
      createdAt: Date.now(),
    });
    // Earlier claims by workers that died: each one counted.
    for (let i = 0; i < (over.attempts ?? 0); i++) {
      await f.store.testRuns.claimRuns({ owner: `dead${i}`, now: Date.now(), limit: 1, leaseMs: 1000 });
      await f.store.leases.release('test_runs', `dead${i}`, [id]);
    }
    return id;
  }

  function start(
    execute: RunKind<TestRun, TestRunOutcome>['execute'],
    extra: {
      deadlineOf?: (r: TestRun) => number | null;
      runs?: RunInfo[];
      statuses?: (string | null)[];
      stopGraceMs?: number;
    } = {},
  ) {
    const finished: string[] = [];
    const kind: RunKind<TestRun, TestRunOutcome> = {
      name: 'test',
      table: 'test_runs',
      claim: (opts) => f.store.testRuns.claimRuns(opts),
      idOf: (r) => r.id,
      tenantOf: (r) => r.tenantId,
      attemptsOf: (r) => r.attempts,
      deadlineOf: extra.deadlineOf ?? (() => null),
      execute,
      givenUp: (_r, n) => outcome('failed', `given up after ${n}`),
      statusOf: (o) => o.status,
      finish: async (owner, r, o) => ((await f.store.testRuns.finishRun(owner, r.id, o)) ? true : null),
      announce: async (r) => void finished.push(r.id),
    };
    engine = new RunEngine(
      kind,
      {
        leases: f.store.leases,
        workers: f.store,
        log: createLogger('silent'),
        lifecycle: {
          around: async (info, body) => {
            extra.runs?.push(info);
            const status = await body();
            extra.statuses?.push(status);
            return status;
          },
        },
      },
      {
        owner: 'engine-1',
        concurrency: 2,
        leaseMs: 60_000,
        pollIntervalMs: 50,
        maxAttempts: 3,
        ...(extra.stopGraceMs === undefined ? {} : { stopGraceMs: extra.stopGraceMs }),
      },
    );
    return { engine, finished };
  }

  const statusOf = async (id: string) =>
    (await f.store.testRuns.listRuns('ten_a', { limit: 100 })).find((r) => r.id === id)!;

  test('runs each queued run once, announces it, and calls the lifecycle around it', async () => {
    const runs: RunInfo[] = [];
    const statuses: (string | null)[] = [];
    const { engine, finished } = start(async () => outcome('done', 'ok'), { runs, statuses });
    const id = await queue();
    await engine.start();
    engine.wake();
    await waitFor(() => finished.length === 1);
    assert.deepEqual(finished, [id]);
    assert.equal((await statusOf(id)).status, 'done');
    assert.deepEqual(runs, [{ kind: 'test', id, tenantId: 'ten_a', attempt: 1 }]);
    await waitFor(() => statuses.length === 1);
    assert.deepEqual(statuses, ['done']);
  });

  test('a run claimed beyond the attempt cap is given up, not executed', async () => {
    let executed = 0;
    const { engine, finished } = start(async () => (executed++, outcome('done', 'ok')));
    const id = await queue({ attempts: 3 });
    await engine.start();
    await waitFor(() => finished.length === 1);
    assert.equal(executed, 0);
    const run = await statusOf(id);
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.response, { note: 'given up after 3' });
  });

  test('the deadline aborts a run with "deadline"', async () => {
    const { engine, finished } = start(
      (_r, signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => resolve(outcome('failed', String(signal.reason)))),
        ),
      { deadlineOf: () => Date.now() + 100 },
    );
    const id = await queue();
    await engine.start();
    await waitFor(() => finished.length === 1);
    assert.deepEqual((await statusOf(id)).response, { note: 'deadline' });
  });

  test('stop is bounded: a run that ignores its signal is handed back at once', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { engine } = start(() => (started(), new Promise<TestRunOutcome>(() => undefined)), {
      stopGraceMs: 200,
    });
    const id = await queue();
    await engine.start();
    await running;
    const t0 = Date.now();
    await engine.stop();
    assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
    assert.equal(engine.state, 'stopped');
    const run = await statusOf(id);
    assert.equal(run.status, 'queued');
    assert.equal(run.leaseOwner, null);
    // Another worker takes it at once.
    const [again] = await f.store.testRuns.claimRuns({
      owner: 'w2',
      now: Date.now(),
      limit: 1,
      leaseMs: 1000,
    });
    assert.equal(again?.id, id);
  });
});

/** Polls an in-process condition the engine's own work makes true (never a fixed sleep). */
async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
