import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runLeasedConformance } from './conformance.ts';

const skip = await pgSkipReason();

const TABLES = [
  'monitor_slots',
  'test_runs',
  'build_screenshots',
  'build_runs',
  'builds',
  'traces',
  'sites',
  'projects',
  ...CORE_TABLES,
];

describe('PostgresStore leased-run conformance', { skip }, () => {
  runLeasedConformance(postgresTarget(TABLES));
});
