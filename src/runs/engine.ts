/**
 * The run engine (issue 15): one loop for every kind of durable leased work. Per kind and
 * process, one engine:
 *
 *   claim (fair across tenants, in the store) → execute → finish → announce
 *
 * - Leases: what it holds is in a lease book (leases/book.ts, the delivery worker's too), which
 *   extends them every leaseMs / 3; a run whose finish finds the lease gone (another worker
 *   took it) records nothing.
 * - Owner liveness: the book registers the owner in `workers` and heartbeats there, so another
 *   worker takes a dead owner's runs once its heartbeat is stale (Store deadAfterMs, 15 s), not
 *   a whole lease later. On SQLite the restarted process
 *   releases every leased table on open (store/ops/leased.ts).
 * - The attempt cap (HERALD_RUN_MAX_ATTEMPTS): a run claimed more often than that was
 *   interrupted each time (its worker died on it) and ends with the kind's givenUp outcome.
 * - Deadlines: the kind's deadline aborts the run with 'deadline'.
 * - Wake and poll: `wake()` looks at once; otherwise every poll interval.
 * - Bounded stop: claims nothing more, aborts what runs with 'stop', hands it back at once
 *   (another worker may take it), then waits at most stopGraceMs for it to settle.
 *
 * States of the loop: `idle` (not started), `running` (claiming and waiting), `stopping`
 * (aborting and handing back), `stopped`.
 */
import { hostname } from 'node:os';
import { newId } from '../domain/ids.ts';
import type { Logger } from '../log.ts';
import { LeaseBook, type OwnerPort } from '../leases/book.ts';
import type { LeaseStore } from '../store/leased.ts';
import { passThrough, type AbortReason, type RunInfo, type RunKind, type RunLifecycle } from './kind.ts';

/** The store operations the engine needs: leases, and owner liveness in `workers`. */
export interface RunEnginePorts {
  leases: LeaseStore;
  workers: OwnerPort;
  log: Logger;
  lifecycle?: RunLifecycle;
}

export interface RunEngineSettings {
  owner: string;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  maxAttempts: number;
  /** Owner heartbeat period; default 5 s (as the delivery worker's). */
  heartbeatMs?: number;
  /** How long stop waits for aborted runs to settle; default 10 s. */
  stopGraceMs?: number;
}

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/** An owner name for `workers` and leases: host, process and kind, unique per engine. */
export function runOwner(kind: string): string {
  return `${hostname()}:${process.pid}:${kind}:${newId('run').slice(4, 14)}`;
}

const SWEEP_INTERVAL_MS = 1000;
/** An idle engine polls at least this far apart: local work wakes it at once anyway. */
const MIN_IDLE_POLL_MS = 250;

interface Held {
  abort: AbortController;
  done: Promise<void>;
}

export class RunEngine<R, O, F = true> {
  readonly owner: string;
  readonly #kind: RunKind<R, O, F>;
  readonly #p: RunEnginePorts;
  readonly #s: RunEngineSettings;
  /** The runs held, their leases and the owner's liveness (leases/book.ts). */
  readonly #held: LeaseBook<Held>;
  #state: State = 'idle';
  #loop: Promise<void> | null = null;
  #wakeUp: (() => void) | null = null;
  #wakePending = false;
  #nextSweep = 0;
  #idleWaiters: Array<() => void> = [];
  #interrupting: Promise<void> | null = null;

  constructor(kind: RunKind<R, O, F>, ports: RunEnginePorts, settings: RunEngineSettings) {
    this.#kind = kind;
    this.#p = ports;
    this.#s = settings;
    this.owner = settings.owner;
    const { leases, workers, log } = ports;
    const table = kind.table;
    this.#held = new LeaseBook<Held>({
      owner: settings.owner,
      leaseMs: settings.leaseMs,
      log,
      what: kind.name,
      workers,
      ...(settings.heartbeatMs !== undefined && { livenessMs: settings.heartbeatMs }),
      leases: {
        extend: (ids, until) => leases.extend(table, settings.owner, ids, until),
        release: (ids) => leases.release(table, settings.owner, ids),
      },
    });
  }

  get state(): State {
    return this.#state;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') return;
    await this.#held.open();
    this.#state = 'running';
    this.#loop = this.#run();
  }

  /** Something was queued: look now rather than at the next poll. */
  wake(): void {
    this.#wakePending = true;
    this.#wakeUp?.();
  }

  /** Resolves when no run is held (for tests and benchmarks). */
  idle(): Promise<void> {
    if (this.#held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * The first half of stop: claims nothing more, aborts what runs with 'stop' and hands it back
   * at once. A caller that owns what the runs use (the browser pool) may close it now, so runs
   * that cannot see their signal end too.
   */
  interrupt(): Promise<void> {
    this.#interrupting ??= this.#interrupt();
    return this.#interrupting;
  }

  /** Interrupts, then waits at most stopGraceMs for the aborted runs to settle. */
  async stop(): Promise<void> {
    if (this.#state === 'idle' || this.#state === 'stopped') return;
    await this.interrupt();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.#held.values()].map((h) => h.done)),
      new Promise<void>((r) => (grace = setTimeout(r, this.#s.stopGraceMs ?? 10_000))),
    ]);
    clearTimeout(grace);
    await this.#held.unregister();
    this.#state = 'stopped';
  }

  async #interrupt(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    this.wake();
    this.#held.close();
    await this.#loop;
    for (const h of this.#held.values()) h.abort.abort('stop' satisfies AbortReason);
    // Handed back at once; if the database refuses, their leases expire (the book logs it).
    await this.#held.releaseNow(this.#held.ids());
  }

  async #run(): Promise<void> {
    const { log } = this.#p;
    while (this.#state === 'running') {
      this.#wakePending = false;
      let full = false;
      try {
        if (this.#kind.sweep && Date.now() >= this.#nextSweep) {
          this.#nextSweep = Date.now() + SWEEP_INTERVAL_MS;
          await this.#kind.sweep(Date.now());
        }
        const free = this.#s.concurrency - this.#held.size;
        if (free > 0) {
          const claimed = await this.#kind.claim({
            owner: this.owner,
            now: Date.now(),
            limit: free,
            leaseMs: this.#s.leaseMs,
            exclude: this.#held.ids(),
          });
          for (const run of claimed) this.#start(run);
          full = claimed.length === free;
        }
      } catch (err) {
        log.error({ err, kind: this.#kind.name }, 'run engine: claiming failed; will retry');
      }
      if (full || this.#wakePending || this.#state !== 'running') continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(MIN_IDLE_POLL_MS, this.#s.pollIntervalMs));
        this.#wakeUp = done;
        function done() {
          clearTimeout(timer);
          resolve();
        }
      });
      this.#wakeUp = null;
    }
  }

  #start(run: R): void {
    const kind = this.#kind;
    const id = kind.idOf(run);
    const abort = new AbortController();
    const deadlineAt = kind.deadlineOf(run);
    const deadline =
      deadlineAt === null
        ? undefined
        : setTimeout(
            () => abort.abort('deadline' satisfies AbortReason),
            Math.max(0, deadlineAt - Date.now()),
          );
    const publicId = kind.publicIdOf?.(run);
    const info: RunInfo = {
      kind: kind.name,
      id,
      tenantId: kind.tenantOf(run),
      attempt: kind.attemptsOf(run),
      ...(publicId !== undefined && { publicId }),
    };
    const held: Held = { abort, done: Promise.resolve() };
    this.#held.add(id, held);
    held.done = (this.#p.lifecycle ?? passThrough)
      .around(info, () => this.#runOnce(run, abort.signal))
      .catch((err: unknown) => {
        if (abort.signal.reason === 'stop') return; // handed back by stop
        this.#p.log.error(
          { err, kind: kind.name, id },
          'run failed unexpectedly; it runs again once its lease ends',
        );
      })
      .then(() => undefined)
      .finally(() => {
        clearTimeout(deadline);
        this.#held.delete(id);
        if (this.#held.size === 0) for (const w of this.#idleWaiters.splice(0)) w();
        this.wake();
      });
  }

  /** The outcome's status once recorded; null when handed back or dropped. */
  async #runOnce(run: R, signal: AbortSignal): Promise<string | null> {
    const kind = this.#kind;
    const attempts = kind.attemptsOf(run);
    const outcome =
      attempts > this.#s.maxAttempts ? kind.givenUp(run, attempts - 1) : await kind.execute(run, signal);
    // Stopping handed the run back: another worker (or this one, restarted) runs it again.
    if (signal.aborted && signal.reason === 'stop') return null;
    const finished = await this.#finish(run, outcome, signal);
    if (finished === undefined) return null; // stopping: handed back
    if (finished === null) {
      this.#p.log.warn({ kind: kind.name, id: kind.idOf(run) }, 'run result dropped: its lease was lost');
      return null;
    }
    await kind.announce(run, finished);
    return kind.statusOf(outcome);
  }

  /**
   * Records the outcome, retrying while the database is away (a restart): the run stays held,
   * its lease extended, so the result is not lost and the page is not tested again. Undefined
   * when the engine stops first (the run is handed back).
   */
  async #finish(run: R, outcome: O, signal: AbortSignal): Promise<F | null | undefined> {
    for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await this.#kind.finish(this.owner, run, outcome);
      } catch (err) {
        if (signal.aborted && signal.reason === 'stop') return undefined;
        this.#p.log.warn(
          { err, kind: this.#kind.name, id: this.#kind.idOf(run) },
          'recording a run failed; will retry',
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
        if (signal.aborted && signal.reason === 'stop') return undefined;
      }
    }
  }
}
