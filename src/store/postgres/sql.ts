import type pg from 'pg';
import type { Row, Sql } from '../sql.ts';
import { notifyWake, query, withTx, type Queryable } from './pool.ts';
import { POSTGRES, type Dialect } from '../shared/rows.ts';

/** The SQL seam over the pool, or over one client inside a transaction. */
export class PgSql implements Sql {
  readonly dialect = 'postgres' as const;
  readonly d: Dialect;
  readonly #db: Queryable;
  /** Null inside a transaction: nested calls join it. */
  readonly #pool: pg.Pool | null;

  constructor(db: Queryable, pool: pg.Pool | null, d: Dialect = POSTGRES) {
    this.d = d;
    this.#db = db;
    this.#pool = pool;
  }

  async query(text: string, params: readonly unknown[] = [], name?: string): Promise<Row[]> {
    return (await query(this.#db, text, params, name)).rows;
  }

  async exec(text: string, params: readonly unknown[] = [], name?: string): Promise<number> {
    return (await query(this.#db, text, params, name)).rowCount ?? 0;
  }

  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (!this.#pool) return fn(this);
    return withTx(this.#pool, (client) => fn(new PgSql(client, null, this.d)));
  }

  inList(n: number): string {
    return `= ANY($${n}::text[])`;
  }

  list(values: readonly string[]): unknown {
    return values;
  }

  forUpdate(suffix = ''): string {
    return suffix ? ` FOR UPDATE ${suffix}` : ' FOR UPDATE';
  }

  /** Transactional like any statement: inside a transaction it is sent at COMMIT. */
  notifyWake(): Promise<void> {
    return notifyWake(this.#db);
  }
}
