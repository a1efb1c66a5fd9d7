import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runBuildStoreConformance } from './store-conformance.ts';

describe('SqliteStore builds conformance', () => {
  runBuildStoreConformance(sqliteTarget());
});
