import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runConsoleConformance } from './store-conformance.ts';

describe('SQLite ConsoleStore conformance', () => {
  runConsoleConformance(sqliteTarget());
});
