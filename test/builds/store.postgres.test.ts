import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runBuildStoreConformance } from './store-conformance.ts';

const skip = await pgSkipReason();
const BUILD_TABLES = ['build_screenshots', 'build_runs', 'builds', 'traces', 'sites', 'projects'];

describe('PostgresStore builds conformance', { skip }, () => {
  runBuildStoreConformance(postgresTarget([...BUILD_TABLES, ...CORE_TABLES]));
});
