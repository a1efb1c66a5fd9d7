/**
 * Storage of Tenon test runs (issue 10): the run records the test API and site monitors make,
 * which are also the durable run queue. Implemented once over the SQL seam
 * (ops/testruns/), its table from migration 005; test/store/testruns-conformance.test.ts runs
 * one suite against SQLite and PostgreSQL.
 *
 * JSON columns (the request, the response, the apiLog) are opaque here: the store keeps what
 * the Tenon modules hand it and never looks inside.
 */

import type { ClaimOptions } from './leased.ts';
import type { NewTestRun, TestRun, TestRunFilter, TestRunOutcome } from '../domain/testruns.ts';

export type {
  NewTestRun,
  TestRun,
  TestRunFilter,
  TestRunOutcome,
  TestRunStatus,
} from '../domain/testruns.ts';

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
  claimRuns(opts: ClaimOptions): Promise<TestRun[]>;
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
