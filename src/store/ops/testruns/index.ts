import type { TestRunStore } from '../../testruns.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as queue from './queue.ts';
import * as runs from './runs.ts';

/** The test-run store over the SQL seam; `deadAfterMs` as for claimDue (see ops/workers.ts). */
export function createTestRunStore(sql: Sql, deadAfterMs: number): TestRunStore {
  return {
    ...bindOps(sql, { ...runs, ...queue }),
    claimRuns: (opts) => queue.claimRuns(sql, opts, deadAfterMs),
  };
}
