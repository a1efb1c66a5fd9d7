import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runStoreConformance } from './conformance.ts';

describe('SqliteStore conformance', () => {
  runStoreConformance(sqliteTarget());
});
