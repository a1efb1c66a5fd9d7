import type { ConsoleStore } from '../../console.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as reads from './reads.ts';
import * as users from './users.ts';

/** The console store over the SQL seam: every statement is the same on both dialects. */
export function createConsoleStore(sql: Sql): ConsoleStore {
  return bindOps(sql, { ...users, ...reads });
}
