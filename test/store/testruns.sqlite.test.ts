import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runTestRunStoreConformance } from './testruns/conformance.ts';

describe('SqliteStore test-run conformance', () => {
  runTestRunStoreConformance(sqliteTarget());
});
