import { pageQuery, type PageOpts } from '../shared/page.ts';
import type { Row, SqliteDb } from './db.ts';
import { SQLITE } from './rows.ts';

/** See {@link pageQuery}. */
export function listPage(
  db: SqliteDb,
  table: string,
  tenantId: string,
  filters: Record<string, string | undefined>,
  page: PageOpts,
): Row[] {
  const { sql, params } = pageQuery(SQLITE, table, tenantId, filters, page);
  return db.all(sql, ...params);
}
