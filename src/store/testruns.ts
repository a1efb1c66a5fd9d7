/**
 * Storage of Tenon test runs (issue 10): the run records the test API and site monitors make,
 * which are also the durable run queue. Implemented once over the SQL seam
 * (ops/testruns/), its table from migration 005; test/store/testruns-conformance.test.ts runs
 * one suite against SQLite and PostgreSQL.
 *
 * JSON columns (the request, the response, the apiLog) are opaque here: the store keeps what
 * the Tenon modules hand it and never looks inside.
 */

export type TestRunStatus = 'queued' | 'running' | 'done' | 'failed';

export interface TestRun {
  /** Internal, time-sortable (`run_…`): the list cursor. */
  id: string;
  tenantId: string;
  /** Tenon's public id (32 hex characters), what clients poll and fetch by. */
  responseID: string;
  projectID: string;
  /** Set when a site monitor's scheduled slot made the run. */
  siteKey: string | null;
  slot: number | null;
  /** Null for a `src` test, which has no address. */
  url: string | null;
  status: TestRunStatus;
  /** Answered at once (Tenon v2) rather than waited for. */
  async: boolean;
  /** The validated request (with `src` and callback, never the key), to run and re-run from. */
  request: unknown;
  /** The full Tenon response when done, the Tenon error body when failed. */
  response: unknown;
  /** Tenon `status` of the answer (200, 522, 500, …) once finished. */
  httpStatus: number | null;
  /** The seed's apiLog fields without fullResponse (that is `response`), once done. */
  apiLog: unknown;
  errors: number | null;
  warnings: number | null;
  /** Fixed when the run is made: announcing twice commits nothing new. */
  eventId: string;
  callbackEventId: string;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  announcedAt: number | null;
}

export interface NewTestRun {
  id: string;
  tenantId: string;
  responseID: string;
  projectID: string;
  siteKey: string | null;
  slot: number | null;
  url: string | null;
  async: boolean;
  request: unknown;
  eventId: string;
  callbackEventId: string;
  createdAt: number;
}

export interface TestRunOutcome {
  status: 'done' | 'failed';
  response: unknown;
  httpStatus: number;
  apiLog: unknown;
  errors: number | null;
  warnings: number | null;
  finishedAt: number;
}

export interface TestRunFilter {
  limit: number;
  after?: string | undefined;
  projectID?: string | undefined;
  siteKey?: string | undefined;
  url?: string | undefined;
}

export interface TestRunStore {
  /**
   * Inserts the run queued. A monitor slot (tenant, siteKey, slot) that already has a run
   * inserts nothing and answers that run instead (`created: false`).
   */
  createRun(run: NewTestRun): Promise<{ created: boolean; run: TestRun }>;
  getRun(tenantId: string, responseID: string): Promise<TestRun | null>;
  /** Newest first; `after` is the last id of the previous page. */
  listRuns(tenantId: string, filter: TestRunFilter): Promise<TestRun[]>;
  /**
   * Leases up to `limit` open runs: queued ones, and running ones whose lease may be taken
   * (their worker died; see ops/workers.ts `takeable`). Fair between tenants: each tenant's
   * oldest open run comes before any tenant's second. Each becomes `running`, leased to
   * `owner` until now + leaseMs, attempts + 1. Safe under concurrent workers (SKIP LOCKED).
   */
  claimRuns(opts: { owner: string; now: number; limit: number; leaseMs: number }): Promise<TestRun[]>;
  /** Heartbeat: pushes this owner's leases on running runs to `leaseUntil`. Returns how many. */
  extendLeases(owner: string, ids: string[], leaseUntil: number): Promise<number>;
  /** Graceful stop: this owner's unfinished runs go back to `queued`. */
  releaseRuns(owner: string, ids: string[]): Promise<void>;
  /** Records the outcome if `owner` still holds the run; false (nothing changed) otherwise. */
  finishRun(owner: string, id: string, outcome: TestRunOutcome): Promise<boolean>;
  /** Queued (or abandoned) runs made before `createdBefore` fail with `response` (timeouts). */
  expireRuns(createdBefore: number, now: number, response: unknown, httpStatus: number): Promise<number>;
  /** Finished runs not yet announced, finished at or before `finishedBefore`, oldest first. */
  listUnannounced(finishedBefore: number, limit: number): Promise<TestRun[]>;
  markAnnounced(tenantId: string, id: string, now: number): Promise<void>;
  /** Retention: deletes finished runs that finished before `before`. Returns how many. */
  purgeRuns(before: number): Promise<number>;
}
