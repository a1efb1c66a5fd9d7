import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runTestRunStoreConformance } from './testruns/conformance.ts';

const skip = await pgSkipReason();

describe('PostgresStore test-run conformance', { skip }, () => {
  runTestRunStoreConformance(postgresTarget(['test_runs', ...CORE_TABLES]));
});
