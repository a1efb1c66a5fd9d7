import type { MonitorStore } from '../../monitors.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as settings from './settings.ts';
import * as slots from './slots.ts';

/** The monitor store over the SQL seam. */
export function createMonitorStore(sql: Sql): MonitorStore {
  return bindOps(sql, { ...settings, ...slots });
}
