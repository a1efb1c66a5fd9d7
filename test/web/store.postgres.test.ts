import { describe } from 'node:test';
import { pgSkipReason } from '../helpers/pg.ts';
import { CORE_TABLES, postgresTarget } from '../helpers/store-targets.ts';
import { runConsoleConformance } from './store-conformance.ts';

const skip = await pgSkipReason();

describe('PostgreSQL ConsoleStore conformance', { skip }, () => {
  runConsoleConformance(postgresTarget(['console_sessions', 'console_users', ...CORE_TABLES]));
});
