import type { BuildStore } from '../../builds.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as builds from './builds.ts';
import * as catalog from './catalog.ts';
import * as queue from './queue.ts';
import * as retention from './retention.ts';

/** The build store over the SQL seam; `deadAfterMs` as for claimDue (see ops/workers.ts). */
export function createBuildStore(sql: Sql, deadAfterMs: number): BuildStore {
  return {
    ...bindOps(sql, { ...catalog, ...builds, ...queue, ...retention }),
    claimRuns: (opts) => queue.claimRuns(sql, opts, deadAfterMs),
  };
}
