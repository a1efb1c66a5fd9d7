import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runIssueStoreConformance } from './store-conformance.ts';

const skip = await pgSkipReason();
const TABLES = [
  'monitor_issue_events',
  'monitor_issue_slots',
  'monitor_issues',
  'test_runs',
  'monitor_slots',
  'sites',
  'projects',
];

describe('PostgreSQL IssueStore conformance', { skip }, () => {
  runIssueStoreConformance(postgresTarget([...TABLES, ...CORE_TABLES]));
});
