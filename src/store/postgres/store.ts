import type pg from 'pg';
import { SqlStore, type Backend } from '../sql-store.ts';
import { claimDue } from './claim.ts';
import { insertEvents } from './insertEvents.ts';
import { appliedMigrations, migratePostgres } from './migrate.ts';
import { createPool } from './pool.ts';
import { recordAttempts } from './recordAttempts.ts';
import { PgSql } from './sql.ts';
import { WakeListener } from './wake.ts';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/db` */
  connectionString: string;
  /** Pool size; default 10. */
  poolSize?: number;
  /** Errors that have no caller to throw to: idle pooled connections, the wake listener. */
  onError?: (err: Error) => void;
  /** See Store.registerWorker; default 15 s. */
  deadAfterMs?: number;
}

/**
 * The shared backend: any number of API and worker processes on one database. Workers
 * claim with FOR UPDATE SKIP LOCKED and are woken by LISTEN/NOTIFY.
 */
export class PostgresStore extends SqlStore {
  constructor(opts: PostgresStoreOptions) {
    const pool = createPool({
      connectionString: opts.connectionString,
      ...(opts.poolSize === undefined ? {} : { max: opts.poolSize }),
      ...(opts.onError === undefined ? {} : { onError: opts.onError }),
    });
    super(postgresBackend(pool, new WakeListener(opts.connectionString, opts.onError)), opts.deadAfterMs);
  }
}

function postgresBackend(pool: pg.Pool, wake: WakeListener): Backend {
  return {
    sql: new PgSql(pool, pool),
    migrate: () => migratePostgres(pool),
    appliedMigrations: () => appliedMigrations(pool),
    async close() {
      await wake.close();
      await pool.end();
    },
    claimDue: (opts, deadAfterMs) => claimDue(pool, opts, deadAfterMs),
    insertEvents: (batch) => insertEvents(pool, batch),
    recordAttempts: (owner, results) => recordAttempts(pool, owner, results),
    subscribeWake: (onWake) => wake.subscribe(onWake),
    subscribeHookChanges: (onChange) => wake.subscribeHookChanges(onChange),
  };
}
