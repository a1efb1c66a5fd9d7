import pg from 'pg';
import type { CustomTypesConfig, PoolClient, QueryResult } from 'pg';
import { translateFault } from '../faults.ts';

export type Row = Record<string, unknown>;
export type Queryable = pg.Pool | PoolClient;

/** The NOTIFY channel a worker listens on for newly inserted, unleased deliveries. */
export const WAKE_CHANNEL = 'herald_wake';

const INT8_OID = 20;

/**
 * BIGINT (unix ms, count(*)) as a JS number instead of pg's default string. Scoped to our
 * clients rather than set on the global `pg.types`, which other libraries in the process share.
 */
export const TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  connectionString: string;
  /** Pool size; default 10. */
  max?: number;
  /** Errors of idle pooled connections (the pool drops them). Without a handler they crash the process. */
  onError?: (err: Error) => void;
}

export function clientConfig(connectionString: string): pg.ClientConfig {
  return { connectionString, types: TYPES, application_name: 'herald' };
}

// A client that loses its connection emits 'error'; the query in flight rejects with it anyway,
// so the event itself must not end the process.
const ignore = (): void => {};

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(opts.connectionString), max: opts.max ?? 10 });
  // Idle pooled connections that drop (a database restart) are removed by the pool; without a
  // listener their 'error' would end the process.
  pool.on('error', (err) => opts.onError?.(err));
  // Every client keeps a listener for its whole life. pg-pool listens only while a client is idle
  // or inside pool.query (with `once`), so an error that arrives just after a failed query
  // released the client (a restart sends FATAL 57P01, then the socket closes) would otherwise be
  // an unhandled 'error' event and end the process. Queries in flight still reject with it.
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}

/**
 * A query; `name` makes it a server-side prepared statement, parsed and planned once per
 * connection (use it for the fixed hot-path SQL only).
 */
export function query(
  db: Queryable,
  text: string,
  values: readonly unknown[] = [],
  name?: string,
): Promise<QueryResult<Row>> {
  const config = { text, values: values as unknown[], ...(name ? { name } : {}) };
  return (db as pg.Pool).query<Row>(config).catch((err: unknown) => {
    throw translateFault(err, 'postgres query');
  });
}

// Deadlocks and serialization failures are safe to retry: the transaction rolled back whole.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRIES = 5;

function retryable(err: unknown, attempt: number): boolean {
  const code = (err as { code?: string }).code;
  return attempt < MAX_TRIES && code !== undefined && RETRYABLE.has(code);
}

/**
 * One statement in its own (implicit) transaction: a single round trip, committed when it
 * returns. Retried whole on a deadlock or serialization failure, like withTx.
 */
export async function statement(
  pool: pg.Pool,
  text: string,
  values: readonly unknown[],
  name: string,
): Promise<QueryResult<Row>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (pool as pg.Pool).query<Row>({ text, values: values as unknown[], name });
    } catch (err) {
      if (retryable(err, attempt)) continue;
      throw translateFault(err, 'postgres query');
    }
  }
}

/**
 * Runs `fn` in a READ COMMITTED transaction on one pooled connection, retrying it whole on a
 * deadlock or serialization failure. `fn` must have no effect outside the database.
 */
export async function withTx<T>(pool: pg.Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect().catch((err: unknown) => {
      throw translateFault(err, 'postgres transaction');
    });
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      if (retryable(err, attempt)) continue;
      throw translateFault(err, 'postgres transaction');
    } finally {
      // A connection that cannot even roll back is destroyed rather than reused.
      client.release(broken);
    }
  }
}

export async function notifyWake(db: Queryable): Promise<void> {
  await query(db, 'SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
}
