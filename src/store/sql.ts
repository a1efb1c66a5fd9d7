import type { Dialect } from './shared/rows.ts';

export type Row = Record<string, unknown>;

/**
 * The one narrow SQL seam (as pg-boss has `executeSql`). Statements are written once with
 * `$1, $2, …` placeholders; the SQLite adapter rewrites them to `?1, ?2, …`. Only what really
 * differs between the dialects is a member here: the row mapper's booleans, id lists, row
 * locks and the wake notification.
 */
export interface Sql {
  readonly dialect: 'sqlite' | 'postgres';
  /** Booleans in rows and parameters (see shared/rows.ts). */
  readonly d: Dialect;
  /** Rows of a statement; `name` makes it a named prepared statement on Postgres. */
  query(text: string, params?: readonly unknown[], name?: string): Promise<Row[]>;
  /** Runs a write; how many rows it changed. */
  exec(text: string, params?: readonly unknown[], name?: string): Promise<number>;
  /**
   * Runs `fn` in one transaction (rolled back whole if it throws; nested calls join the
   * outer one). `fn` must have no effect outside the database: Postgres retries it on deadlock.
   */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** `col IN (…)` for a list parameter at `$n`: `= ANY($n)` or `IN (SELECT value FROM json_each(?n))`. */
  inList(n: number): string;
  /** The parameter value that `inList` expects for a list of strings. */
  list(values: readonly string[]): unknown;
  /** ` FOR UPDATE …` on Postgres; nothing on SQLite, whose writer is alone anyway. */
  forUpdate(suffix?: string): string;
  /** Tells other processes' workers that due work appeared (Postgres NOTIFY; a no-op on SQLite). */
  notifyWake(): Promise<void>;
}

type Bound<M> = {
  [K in keyof M]: M[K] extends (sql: Sql, ...args: infer A) => infer R ? (...args: A) => R : never;
};

/** A module's operations with the seam bound as their first argument (a store over the seam). */
export function bindOps<M extends object>(sql: Sql, ops: M): Bound<M> {
  const bound: Record<string, unknown> = {};
  for (const [name, op] of Object.entries(ops)) {
    if (typeof op === 'function')
      bound[name] = (...args: unknown[]) => (op as (...a: unknown[]) => unknown)(sql, ...args);
  }
  return bound as Bound<M>;
}

export async function one(sql: Sql, text: string, params: readonly unknown[] = []): Promise<Row | null> {
  return (await sql.query(text, params))[0] ?? null;
}

/** How a patchable field is stored: key, column and an encoder (booleans, JSON). */
export type PatchColumn<P> = readonly [keyof P & string, string, ((v: never, d: Dialect) => unknown)?];

/**
 * `UPDATE table SET <fixed…>, <patched…> WHERE <where> RETURNING *` for the fields of `patch`
 * that are set. `where` uses `$1, $2, …` for `whereParams`; they are renumbered after the SET.
 */
export function patchUpdate<P extends object>(
  d: Dialect,
  table: string,
  columns: readonly PatchColumn<P>[],
  patch: P,
  fixed: Record<string, unknown>,
  where: string,
  whereParams: readonly unknown[],
): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const sets: string[] = [];
  for (const [column, value] of Object.entries(fixed)) {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  for (const [key, column, encode] of columns) {
    const value = (patch as Record<string, unknown>)[key];
    if (value === undefined) continue;
    params.push(encode ? encode(value as never, d) : value);
    sets.push(`${column} = $${params.length}`);
  }
  const offset = params.length;
  const renumbered = where.replace(/\$(\d+)/g, (_, i: string) => `$${Number(i) + offset}`);
  return {
    text: `UPDATE ${table} SET ${sets.join(', ')} WHERE ${renumbered} RETURNING *`,
    params: [...params, ...whereParams],
  };
}

/** `$from, $from+1, …` for n parameters. */
export function params(n: number, from = 1): string {
  return Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
}

export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${params(columns.length)})`;
}

/** A keyset page, newest first; `after` is the last id of the previous page. */
export interface PageOpts {
  limit: number;
  after?: string | undefined;
}

/**
 * A newest-first keyset page of one tenant's rows (ids are time-sortable). Filters whose value
 * is undefined are left out; column names come from code, never from a request.
 */
export function listPage(
  sql: Sql,
  table: string,
  tenantId: string,
  filters: Record<string, string | undefined>,
  page: PageOpts,
): Promise<Row[]> {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1'];
  const conditions: Array<[string, string | undefined]> = [
    ...Object.entries(filters).map(([column, value]): [string, string | undefined] => [`${column} =`, value]),
    ['id <', page.after],
  ];
  for (const [condition, value] of conditions) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${condition} $${values.length}`);
  }
  values.push(page.limit);
  return sql.query(
    `SELECT * FROM ${table} WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
}
