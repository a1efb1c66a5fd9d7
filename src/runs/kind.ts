/**
 * What a kind of leased work (a build's test case, a Tenon test run, a monitor slot) supplies
 * to the run engine: how to claim its rows, run one, record the outcome and announce it. The
 * engine (engine.ts) owns everything else: leases and their heartbeat, owner liveness, the
 * attempt cap, deadlines, wake and poll, fairness (in the claim SQL, ops/leased.ts), and the
 * bounded stop.
 */
import type { ClaimOptions, LeasedTable } from '../store/leased.ts';

/** Why a run's signal aborted: the worker is stopping (the run is handed back), or its deadline passed. */
export type AbortReason = 'stop' | 'deadline';

/** R: a claimed run; O: its outcome; F: what a recorded finish tells announce. */
export interface RunKind<R, O, F = true> {
  /** Names the kind in owners and logs: `build`, `test`, `slot`. */
  readonly name: string;
  readonly table: LeasedTable;
  /** Leases up to opts.limit runs (the store's claim over ops/leased.ts). */
  claim(opts: ClaimOptions): Promise<R[]>;
  idOf(run: R): string;
  /**
   * The id a user knows the run by, where it is not its row id: a Tenon run's responseID, the
   * build a build's test case belongs to.
   */
  publicIdOf?(run: R): string;
  tenantOf(run: R): string;
  /** Claims so far, this one included. */
  attemptsOf(run: R): number;
  /** When the engine aborts the run with 'deadline'; null for none. */
  deadlineOf(run: R): number | null;
  /**
   * Runs it to an outcome. On abort ('stop') it may throw or return anything: the engine hands
   * the run back and drops what it returns. On 'deadline' it returns the timed-out outcome.
   */
  execute(run: R, signal: AbortSignal): Promise<O>;
  /** The outcome of a run claimed more than the attempt cap allows (interrupted each time). */
  givenUp(run: R, interruptions: number): O;
  /** The outcome in a word (`passed`, `done`, `failed`…), for lifecycle observers. */
  statusOf(outcome: O): string;
  /** Records the outcome if `owner` still holds the run; null (nothing changed) otherwise. */
  finish(owner: string, run: R, outcome: O): Promise<F | null>;
  /**
   * After a recorded finish: the events it announces. Failures are the kind's to log; its
   * sweep announces what was not.
   */
  announce(run: R, finished: F): Promise<void>;
  /** Now and then (about every second): expiry, announcing what a dead worker did not, retention. */
  sweep?(now: number): Promise<void>;
}

/** What the engine tells of one run, for a lifecycle observer (a tracing span, a metric). */
export interface RunInfo {
  kind: string;
  id: string;
  tenantId: string;
  attempt: number;
  /** See RunKind.publicIdOf. */
  publicId?: string;
}

/**
 * The one place a run starts and ends: the engine calls `around` with the whole of one run
 * (execute, finish, announce) as `body`, which resolves to the outcome's status (`passed`,
 * `done`, `failed`…), or null when the run was handed back or its result dropped. A tracing
 * span wraps it here (src/telemetry/runs.ts).
 */
export interface RunLifecycle {
  around(run: RunInfo, body: () => Promise<string | null>): Promise<unknown>;
}

export const passThrough: RunLifecycle = { around: (_run, body) => body() };
