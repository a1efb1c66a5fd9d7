import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runMonitorStoreConformance } from './store-conformance.ts';

const skip = await pgSkipReason();
const TABLES = ['monitor_slots', 'build_screenshots', 'build_runs', 'builds', 'traces', 'sites', 'projects'];

describe('PostgreSQL MonitorStore conformance', { skip }, () => {
  runMonitorStoreConformance(postgresTarget([...TABLES, ...CORE_TABLES]));
});
