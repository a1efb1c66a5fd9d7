/**
 * Durable leased work (issue 15): the tables the run engine (src/runs/) claims from, and the
 * operations every one of them shares, written once in ops/leased.ts. Each kind's store
 * (builds, test runs, monitor slots) claims through `claimLeased` and maps the rows; the
 * engine extends and releases through this port, naming the table.
 */
export type LeasedTable = 'build_runs' | 'test_runs' | 'monitor_slots';

export interface ClaimOptions {
  owner: string;
  now: number;
  limit: number;
  leaseMs: number;
  /**
   * Rows the claimer runs already: never claimed again, even when their lease ran out under
   * load before a heartbeat extended it (the owner's own expired leases are otherwise takeable).
   */
  exclude?: readonly string[];
}

export interface LeaseStore {
  /** Heartbeat: pushes this owner's leases on running rows to `leaseUntil`. Returns how many. */
  extend(table: LeasedTable, owner: string, ids: readonly string[], leaseUntil: number): Promise<number>;
  /** Graceful stop: this owner's unfinished rows go back to `queued`, to run again at once. */
  release(table: LeasedTable, owner: string, ids: readonly string[]): Promise<void>;
}
