/**
 * Tenon test runs as a kind of run-engine work (src/runs/): one leased row is one test of one
 * page. This file says only what differs from other kinds: test the page in the shared warm
 * Chromium, record the Tenon answer, announce it (apiLog.created, the callback) and tell a
 * synchronous request waiting in this process; the sweep fails runs not done within
 * HERALD_TENON_QUEUE_TIMEOUT_MS of being queued, announces what a dead worker did not, and
 * deletes runs past HERALD_RETENTION_DAYS.
 */
import type { BrowserPool } from '../browsers/pool.ts';
import type { Config } from '../config.ts';
import type { RunKind } from '../runs/kind.ts';
import type { Finished } from '../runs/signals.ts';
import type { TestRun, TestRunOutcome, TestRunStore } from '../store/testruns.ts';
import { toApiLog } from './api-log.ts';
import { announceTestRun, type TestRunAnnouncePorts } from './announce.ts';
import { runTest } from './engine.ts';
import { tenonStatus, type TenonErrorBody } from './errors.ts';
import { buildResponse } from './mapping.ts';
import { fromStored, sessionOf } from './stored.ts';

const PURGE_INTERVAL_MS = 10 * 60_000;
/** A finished run not announced after this long lost its worker: the sweep announces it. */
const ANNOUNCE_GRACE_MS = 10_000;

export interface TestRunKindPorts extends TestRunAnnouncePorts {
  testRuns: TestRunStore;
  pool: BrowserPool;
  finished: Finished;
  config: Pick<Config, 'tenonQueueTimeoutMs' | 'retentionDays'>;
}

function failed(error: TenonErrorBody, finishedAt = Date.now()): TestRunOutcome {
  return {
    status: 'failed',
    response: error,
    httpStatus: error.status,
    apiLog: null,
    errors: null,
    warnings: null,
    finishedAt,
  };
}

/** Tests one page in the pool's Chromium; a browser that cannot start fails the run with why. */
async function testPage(pool: BrowserPool, run: TestRun): Promise<TestRunOutcome> {
  const req = fromStored(run.request);
  let browser;
  try {
    browser = await pool.acquire('chrome');
  } catch (err) {
    return failed(tenonStatus('internal_server_error', String((err as Error).message ?? err)));
  }
  try {
    const session = sessionOf(run.request);
    const out = await runTest(browser, req, session ? { session } : {});
    if (!out.ok) return failed(out.error);
    const response = buildResponse(out.run, req.mirror, { receivedAt: run.createdAt });
    const { fullResponse: _full, ...apiLog } = toApiLog(response, out.run);
    return {
      status: 'done',
      response,
      httpStatus: response.status,
      apiLog,
      errors: apiLog.errors,
      warnings: apiLog.warnings,
      finishedAt: Date.now(),
    };
  } finally {
    pool.release('chrome');
  }
}

export function testRunKind(p: TestRunKindPorts): RunKind<TestRun, TestRunOutcome> {
  let nextPurge = 0;
  const announce = async (run: TestRun): Promise<void> => {
    try {
      await announceTestRun(p, run);
    } catch (err) {
      p.log.error({ err, responseID: run.responseID }, 'announcing a test run failed; the sweep will retry');
    }
  };
  return {
    name: 'test',
    table: 'test_runs',
    claim: (opts) => p.testRuns.claimRuns(opts),
    idOf: (run) => run.id,
    tenantOf: (run) => run.tenantId,
    attemptsOf: (run) => run.attempts,
    // The page engine bounds each test itself (a page that never loads is a 522).
    deadlineOf: () => null,
    execute: (run) => testPage(p.pool, run),
    publicIdOf: (r) => r.responseID,
    statusOf: (o) => o.status,
    givenUp: (_run, interruptions) =>
      failed(
        tenonStatus(
          'internal_server_error',
          `the test was interrupted ${interruptions} times (its worker stopped or died) and was given up`,
        ),
      ),
    finish: async (owner, run, outcome) =>
      (await p.testRuns.finishRun(owner, run.id, outcome)) ? true : null,
    async announce(run) {
      p.finished.notify(run.responseID);
      const finished = await p.testRuns.getRun(run.tenantId, run.responseID);
      if (finished) await announce(finished);
    },
    async sweep(now) {
      const timedOut = tenonStatus(
        'doc_source_unavailable',
        `the test was not finished within ${p.config.tenonQueueTimeoutMs} ms of being queued`,
      );
      await p.testRuns.expireRuns(now - p.config.tenonQueueTimeoutMs, now, timedOut, timedOut.status);
      for (const run of await p.testRuns.listUnannounced(now - ANNOUNCE_GRACE_MS, 20)) await announce(run);
      if (now >= nextPurge) {
        nextPurge = now + PURGE_INTERVAL_MS;
        const purged = await p.testRuns.purgeRuns(now - p.config.retentionDays * 86_400_000);
        if (purged > 0) p.log.info({ purged }, 'old test runs purged');
      }
    },
  };
}
