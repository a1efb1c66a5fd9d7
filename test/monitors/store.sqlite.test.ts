import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runMonitorStoreConformance } from './store-conformance.ts';

describe('SQLite MonitorStore conformance', () => {
  runMonitorStoreConformance(sqliteTarget());
});
