import type { ConsoleStore } from '../../console.ts';
import type { SqliteDb } from '../db.ts';

export function createSqliteConsoleStore(_db: SqliteDb): ConsoleStore {
  return {};
}
