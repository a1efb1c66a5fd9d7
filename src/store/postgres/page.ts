import { pageQuery, type PageOpts } from '../shared/page.ts';
import { query, type Queryable, type Row } from './pool.ts';
import { POSTGRES } from './rows.ts';

/** See {@link pageQuery}. */
export async function listPage(
  db: Queryable,
  table: string,
  tenantId: string,
  filters: Record<string, string | undefined>,
  page: PageOpts,
): Promise<Row[]> {
  const { sql, params } = pageQuery(POSTGRES, table, tenantId, filters, page);
  return (await query(db, sql, params)).rows;
}
