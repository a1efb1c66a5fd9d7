/**
 * The Tenon run queue of a worker: claim → run in a warm Chromium → record → announce. Modelled
 * on the build queue (src/builds/queue.ts): the worker leases the runs it holds and keeps the
 * leases alive with a heartbeat. A worker that dies loses nothing (its leases run out and
 * another worker, or the restarted one, runs the test again); one that stops gracefully hands
 * its runs back at once. Claims are fair between tenants (see the store's claimRuns).
 *
 * Every run is bounded twice: the engine's own deadline (a page that never loads is a 522),
 * and HERALD_TENON_QUEUE_TIMEOUT_MS from when it was queued (the sweep fails it with a 522
 * when no worker got it done). The sweep also announces finished runs that never were (their
 * worker died in between), and deletes runs older than HERALD_RETENTION_DAYS.
 */
import { hostname } from 'node:os';
import { newId } from '../domain/ids.ts';
import type { ServiceDeps } from '../services/deps.ts';
import type { Store } from '../store/store.ts';
import type { TestRun, TestRunOutcome } from '../store/testruns.ts';
import { BrowserPool } from '../builds/runner/browsers.ts';
import { toApiLog } from './api-log.ts';
import { announceTestRun } from './announce.ts';
import { runTest } from './engine.ts';
import { tenonStatus, type TenonErrorBody } from './errors.ts';
import { notifyFinished } from './finished.ts';
import { traced } from '../telemetry/tracing.ts';
import { buildResponse } from './mapping.ts';
import { fromStored } from './stored.ts';

/** A run claimed this many times was interrupted each time: it fails instead of looping. */
export const MAX_RUN_ATTEMPTS = 3;
const SWEEP_INTERVAL_MS = 1000;
const PURGE_INTERVAL_MS = 10 * 60_000;
/** A finished run not announced after this long lost its worker: the sweep announces it. */
const ANNOUNCE_GRACE_MS = 10_000;
/**
 * The idle poll, at least this long: runs queued in this process wake the queue at once, so
 * polling only finds those of other processes, and an idle worker should not load the database.
 */
const MIN_IDLE_POLL_MS = 250;

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

export class TestRunQueue {
  readonly owner: string;
  readonly #deps: ServiceDeps;
  readonly #pool: BrowserPool;
  readonly #inFlight = new Map<string, Promise<void>>();
  #running = false;
  #stopping = false;
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextSweep = 0;
  #nextPurge = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
    this.owner = `${hostname()}:${process.pid}:tenon:${newId('run').slice(4, 14)}`;
    // The builds' pool: Debian Chromium behind Herald's filtering proxy (the network policy
    // applies to every request of the page under test), kept warm between runs.
    this.#pool = new BrowserPool({
      paths: { chrome: deps.config.chromiumPath, firefox: deps.config.firefoxPath },
      launchTimeoutMs: 30_000,
      idleMs: 10 * 60_000,
      allowlist: deps.config.targetAllowlist,
      onRefused: (target, reason) =>
        deps.log.info({ target, reason }, 'test-run request refused by the network policy'),
    });
  }

  start(): void {
    this.#running = true;
    const { leaseMs } = this.#deps.config;
    this.#heartbeat = setInterval(() => void this.#extendLeases(), Math.max(250, Math.floor(leaseMs / 3)));
    this.#heartbeat.unref();
    this.#loop = this.#run();
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.#wakePending = true;
    this.#wakeUp?.();
  }

  /** Resolves when no run is in flight (for tests and benchmarks). */
  idle(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Claims nothing more, hands what runs back (to run again at once), closes the browser. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.#loop;
    this.#stopping = true;
    await this.#deps.store.testRuns
      .releaseRuns(this.owner, [...this.#inFlight.keys()])
      .catch((err: unknown) =>
        this.#deps.log.error({ err }, 'handing back test runs failed; their leases will expire'),
      );
    await this.#pool.close();
    await Promise.all(this.#inFlight.values());
  }

  async #run(): Promise<void> {
    const { config, store, log } = this.#deps;
    while (this.#running) {
      this.#wakePending = false;
      let full = false;
      try {
        if (Date.now() >= this.#nextSweep) {
          this.#nextSweep = Date.now() + SWEEP_INTERVAL_MS;
          await this.#sweep();
        }
        const free = config.tenonConcurrency - this.#inFlight.size;
        if (free > 0) {
          const claimed = await store.testRuns.claimRuns({
            owner: this.owner,
            now: Date.now(),
            limit: free,
            leaseMs: config.leaseMs,
          });
          for (const run of claimed) this.#start(run);
          full = claimed.length === free;
        }
      } catch (err) {
        log.error({ err }, 'test run queue: claiming failed; will retry');
      }
      if (full || this.#wakePending || !this.#running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(MIN_IDLE_POLL_MS, config.pollIntervalMs));
        this.#wakeUp = done;
        function done() {
          clearTimeout(timer);
          resolve();
        }
      });
      this.#wakeUp = null;
    }
  }

  async #sweep(): Promise<void> {
    const { store, config } = this.#deps;
    const now = Date.now();
    const timedOut = tenonStatus(
      'doc_source_unavailable',
      `the test was not finished within ${config.tenonQueueTimeoutMs} ms of being queued`,
    );
    await store.testRuns.expireRuns(now - config.tenonQueueTimeoutMs, now, timedOut, timedOut.status);
    for (const run of await store.testRuns.listUnannounced(now - ANNOUNCE_GRACE_MS, 20))
      await this.#announce(run);
    if (now >= this.#nextPurge) {
      this.#nextPurge = now + PURGE_INTERVAL_MS;
      const purged = await store.testRuns.purgeRuns(now - config.retentionDays * 86_400_000);
      if (purged > 0) this.#deps.log.info({ purged }, 'old test runs purged');
    }
  }

  #start(run: TestRun): void {
    const attributes = { 'herald.tenant.id': run.tenantId, 'herald.test_run.id': run.responseID };
    const done = traced(
      this.#deps.tracing,
      'herald.test_run',
      attributes,
      () => this.#execute(run),
      (status) => ({
        'herald.test_run.status': status ?? 'handed back',
      }),
    )
      .then(() => undefined)
      .catch((err: unknown) =>
        this.#deps.log.error({ err, responseID: run.responseID }, 'test run failed unexpectedly'),
      )
      .finally(() => {
        this.#inFlight.delete(run.id);
        if (this.#inFlight.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
        this.wake();
      });
    this.#inFlight.set(run.id, done);
  }

  async #outcome(run: TestRun): Promise<TestRunOutcome> {
    if (run.attempts > MAX_RUN_ATTEMPTS) {
      const why = `the test was interrupted ${run.attempts - 1} times (its worker stopped or died) and was given up`;
      return failed(tenonStatus('internal_server_error', why));
    }
    const req = fromStored(run.request);
    let browser;
    try {
      browser = await this.#pool.acquire('chrome');
    } catch (err) {
      return failed(tenonStatus('internal_server_error', String((err as Error).message ?? err)));
    }
    try {
      const out = await runTest(browser, req);
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
      this.#pool.release('chrome');
    }
  }

  /** The run's status, or null when it was handed back or its result dropped. */
  async #execute(run: TestRun): Promise<string | null> {
    const { store, log } = this.#deps;
    const outcome = await this.#outcome(run);
    // Stopping closed the browser under the run: it was handed back and runs again elsewhere.
    if (this.#stopping) return null;
    if (!(await store.testRuns.finishRun(this.owner, run.id, outcome))) {
      log.warn({ responseID: run.responseID }, 'test run result dropped: its lease was lost');
      return null;
    }
    notifyFinished(store, run.responseID);
    const finished = await store.testRuns.getRun(run.tenantId, run.responseID);
    if (finished) await this.#announce(finished);
    return outcome.status;
  }

  /** Failures are logged and left to the sweep, which announces the run later. */
  async #announce(run: TestRun): Promise<void> {
    try {
      await announceTestRun(this.#deps, run);
    } catch (err) {
      this.#deps.log.error(
        { err, responseID: run.responseID },
        'announcing a test run failed; the sweep will retry',
      );
    }
  }

  async #extendLeases(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    try {
      await this.#deps.store.testRuns.extendLeases(
        this.owner,
        [...this.#inFlight.keys()],
        Date.now() + this.#deps.config.leaseMs,
      );
    } catch (err) {
      this.#deps.log.error({ err }, 'extending test run leases failed; will retry');
    }
  }
}

/** The queue of the worker in this process, if it runs one, so a new run can wake it. */
const queues = new WeakMap<Store, TestRunQueue>();

export function registerTestRunQueue(store: Store, queue: TestRunQueue | null): void {
  if (queue) queues.set(store, queue);
  else queues.delete(store);
}

export function testRunQueueOf(store: Store): TestRunQueue | undefined {
  return queues.get(store);
}

/** Starts the run queue in a worker process; `stop` hands its runs back. */
export function startTestRunQueue(deps: ServiceDeps): { queue: TestRunQueue; stop(): Promise<void> } {
  const queue = new TestRunQueue(deps);
  queue.start();
  registerTestRunQueue(deps.store, queue);
  return {
    queue,
    async stop() {
      registerTestRunQueue(deps.store, null);
      await queue.stop();
    },
  };
}
