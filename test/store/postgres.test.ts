import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runStoreConformance } from './conformance.ts';

const skip = await pgSkipReason();

describe('PostgresStore conformance', { skip }, () => {
  runStoreConformance(postgresTarget(CORE_TABLES));
});
