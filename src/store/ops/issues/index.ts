import type { IssueStore } from '../../issues.ts';
import { bindOps, type Sql } from '../../sql.ts';
import * as issues from './issues.ts';

/** The issue store over the SQL seam. */
export function createIssueStore(sql: Sql): IssueStore {
  return bindOps(sql, issues);
}
