import type { Dialect } from './rows.ts';

export interface PageOpts {
  limit: number;
  /** The last id of the previous page. */
  after?: string | undefined;
}

/**
 * A newest-first keyset page of one tenant's rows (ids are time-sortable). Filters whose value
 * is undefined are left out; column names come from code, never from a request.
 */
export function pageQuery(
  d: Dialect,
  table: string,
  tenantId: string,
  filters: Record<string, string | undefined>,
  page: PageOpts,
): { sql: string; params: Array<string | number> } {
  const params: Array<string | number> = [tenantId];
  const where = [`tenant_id = ${d.placeholder(1)}`];
  const conditions: Array<[string, string | undefined]> = [
    ...Object.entries(filters).map(([column, value]): [string, string | undefined] => [`${column} =`, value]),
    ['id <', page.after],
  ];
  for (const [condition, value] of conditions) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${condition} ${d.placeholder(params.length)}`);
  }
  params.push(page.limit);
  return {
    sql: `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${d.placeholder(params.length)}`,
    params,
  };
}
