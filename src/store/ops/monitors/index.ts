import type { MonitorStore } from '../../monitors.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as settings from './settings.ts';
import * as slots from './slots.ts';

/** The monitor store over the SQL seam; `deadAfterMs` as for claimDue (see ops/workers.ts). */
export function createMonitorStore(sql: Sql, deadAfterMs: number): MonitorStore {
  return {
    ...bindOps(sql, { ...settings, ...slots }),
    claimSlotRuns: (opts) => slots.claimSlotRuns(sql, opts, deadAfterMs),
  };
}
