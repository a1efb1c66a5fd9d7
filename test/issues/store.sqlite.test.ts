import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runIssueStoreConformance } from './store-conformance.ts';

describe('SQLite IssueStore conformance', () => {
  runIssueStoreConformance(sqliteTarget());
});
