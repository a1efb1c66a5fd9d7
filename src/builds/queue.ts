/**
 * The build queue of a worker: claim → run in a browser → record → announce. Like the delivery
 * worker, it holds leases on what it runs and keeps them alive with a heartbeat; a worker that
 * dies loses nothing (its leases run out and another worker, or the restarted one, runs the
 * test case again), and one that stops gracefully hands its runs back at once.
 *
 * At most HERALD_BUILD_CONCURRENCY test cases run at once per worker, claimed fairly across
 * tenants (see claimRuns). A sweep fails the open test cases of builds past their deadline,
 * announces finished builds that were never announced (their worker died in between), and
 * now and then deletes builds past HERALD_RETENTION_DAYS with their runs and screenshots.
 */
import { hostname } from 'node:os';
import type { ServiceDeps } from '../services/deps.ts';
import type { Store } from '../store/store.ts';
import { announceBuild } from './announce.ts';
import { traced } from '../telemetry/tracing.ts';
import { newId } from '../domain/ids.ts';
import { BrowserPool } from './runner/browsers.ts';
import { RunInterrupted, runTestCase, type AbortReason } from './runner/run.ts';
import type { ClaimedRun, RunOutcome } from '../domain/builds.ts';

/** A test case claimed this many times was interrupted each time: it fails instead of looping. */
export const MAX_RUN_ATTEMPTS = 5;
const SWEEP_INTERVAL_MS = 1000;
/** A finished build not announced after this long lost its worker: the sweep announces it. */
const ANNOUNCE_GRACE_MS = 10_000;
/** Retention is coarse (days): a purge now and then is plenty, and every worker may run it. */
const PURGE_INTERVAL_MS = 10 * 60_000;

interface InFlight {
  claimed: ClaimedRun;
  abort: AbortController;
  done: Promise<void>;
}

export class BuildQueue {
  readonly owner: string;
  readonly #deps: ServiceDeps;
  readonly #pool: BrowserPool;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #interrupted: string[] = [];
  #running = false;
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #wakePending = false;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextSweep = 0;
  #nextPurge = 0;
  #idleWaiters: Array<() => void> = [];

  constructor(deps: ServiceDeps) {
    this.#deps = deps;
    this.owner = `${hostname()}:${process.pid}:${newId('run').slice(4, 14)}`;
    this.#pool = new BrowserPool({
      paths: { chrome: deps.config.chromiumPath, firefox: deps.config.firefoxPath },
      launchTimeoutMs: 30_000,
      allowlist: deps.config.targetAllowlist,
      onRefused: (target, reason) =>
        deps.log.info({ target, reason }, 'browser request refused by the network policy'),
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

  /** Resolves when no test case is running (for tests). */
  idle(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Claims nothing more, interrupts what runs, hands it back, closes the browsers. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.wake();
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.#loop;
    for (const f of this.#inFlight.values()) f.abort.abort('stop' satisfies AbortReason);
    await Promise.all([...this.#inFlight.values()].map((f) => f.done));
    if (this.#interrupted.length > 0) {
      await this.#deps.store.builds
        .releaseRuns(this.owner, this.#interrupted.splice(0))
        .catch((err: unknown) =>
          this.#deps.log.error({ err }, 'handing back build runs failed; their leases will expire'),
        );
    }
    await this.#pool.close();
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
        const free = config.buildConcurrency - this.#inFlight.size;
        if (free > 0) {
          const claimed = await store.builds.claimRuns({
            owner: this.owner,
            now: Date.now(),
            limit: free,
            leaseMs: config.leaseMs,
          });
          for (const c of claimed) this.#start(c);
          full = claimed.length === free;
        }
      } catch (err) {
        log.error({ err }, 'build queue: claiming failed; will retry');
      }
      if (full || this.#wakePending || !this.#running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, config.pollIntervalMs);
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
    const expired = await store.builds.expireRuns(
      now,
      `The build ran out of time (HERALD_BUILD_TIMEOUT_MS is ${config.buildTimeoutMs} ms) before this test case ran`,
    );
    for (const b of expired) await this.#announce(b.tenantId, b.buildId);
    for (const b of await store.builds.listUnreportedBuilds(now - ANNOUNCE_GRACE_MS, 20))
      await this.#announce(b.tenantId, b.id);
    if (now >= this.#nextPurge) {
      this.#nextPurge = now + PURGE_INTERVAL_MS;
      const purged = await store.builds.purgeBuilds(now - config.retentionDays * 86_400_000);
      if (purged.builds > 0) this.#deps.log.info(purged, 'build retention purge');
    }
  }

  #start(claimed: ClaimedRun): void {
    const { run, build } = claimed;
    const abort = new AbortController();
    const untilDeadline = build.deadlineAt - Date.now();
    const deadline = setTimeout(
      () => abort.abort('deadline' satisfies AbortReason),
      Math.max(0, untilDeadline),
    );
    const flight: InFlight = { claimed, abort, done: Promise.resolve() };
    this.#inFlight.set(run.id, flight);
    const execute = async (): Promise<string> => {
      if (run.attempts > MAX_RUN_ATTEMPTS) {
        const message = `The test case was interrupted ${run.attempts - 1} times (its worker stopped or died) and was given up`;
        await this.#record(claimed, {
          status: 'failed',
          durationMs: 0,
          error: { type: 'error', message },
          failedStep: null,
          screenshot: null,
          finishedAt: Date.now(),
        });
        return 'failed';
      }
      const outcome = await runTestCase(run, build, {
        pool: this.#pool,
        stepTimeoutMs: this.#deps.config.buildStepTimeoutMs,
        buildTimeoutMs: this.#deps.config.buildTimeoutMs,
        allowlist: this.#deps.config.targetAllowlist,
        signal: abort.signal,
      });
      await this.#record(claimed, outcome);
      return outcome.status;
    };
    const attributes = {
      'herald.tenant.id': build.tenantId,
      'herald.build.id': build.id,
      'herald.build.run': run.id,
    };
    flight.done = traced(this.#deps.tracing, 'herald.build', attributes, execute, (status) => ({
      'herald.build.status': status,
    }))
      .then(() => undefined)
      .catch((err: unknown) => {
        if (err instanceof RunInterrupted) this.#interrupted.push(run.id);
        else this.#deps.log.error({ err, runId: run.id, buildId: build.id }, 'build run failed unexpectedly');
      })
      .finally(() => {
        clearTimeout(deadline);
        this.#inFlight.delete(run.id);
        if (this.#inFlight.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
        this.wake();
      });
  }

  async #record(claimed: ClaimedRun, outcome: RunOutcome): Promise<void> {
    const { run, build } = claimed;
    const result = await this.#deps.store.builds.finishRun(this.owner, run.id, outcome);
    if (!result.recorded) {
      this.#deps.log.warn(
        { runId: run.id, buildId: build.id },
        'build run result dropped: its lease was lost',
      );
      return;
    }
    if (result.buildFinished) await this.#announce(build.tenantId, build.id);
  }

  /** Failures are logged and left to the sweep, which announces the build later. */
  async #announce(tenantId: string, buildId: string): Promise<void> {
    try {
      await announceBuild(this.#deps, tenantId, buildId);
    } catch (err) {
      this.#deps.log.error({ err, buildId }, 'announcing a finished build failed; the sweep will retry');
    }
  }

  async #extendLeases(): Promise<void> {
    if (this.#inFlight.size === 0) return;
    try {
      await this.#deps.store.builds.extendRunLeases(
        this.owner,
        [...this.#inFlight.keys()],
        Date.now() + this.#deps.config.leaseMs,
      );
    } catch (err) {
      this.#deps.log.error({ err }, 'extending build run leases failed; will retry');
    }
  }
}

/**
 * The queue of the worker in this process, if it runs one, so a started build can wake it.
 * Keyed by the store: one per started app, shared by its services and adapters.
 */
const queues = new WeakMap<Store, BuildQueue>();

export function registerQueue(store: Store, queue: BuildQueue | null): void {
  if (queue) queues.set(store, queue);
  else queues.delete(store);
}

export function queueOf(store: Store): BuildQueue | undefined {
  return queues.get(store);
}
