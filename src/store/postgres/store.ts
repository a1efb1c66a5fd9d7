import type pg from 'pg';
import { sealingFor, SqlStore, type Backend, type Sealing } from '../sql-store.ts';
import type { SecretSource } from '../sealing/key-source.ts';
import { POSTGRES, withCodec } from '../shared/rows.ts';
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
  /** Seal secret columns with this key (openStore always gives one); without it they stay plain. */
  secrets?: SecretSource;
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
    const wake = new WakeListener(opts.connectionString, opts.onError);
    super(postgresBackend(pool, wake, sealingFor(opts.secrets)), opts.deadAfterMs);
  }
}

function postgresBackend(pool: pg.Pool, wake: WakeListener, sealing: Sealing | null): Backend {
  const sql = new PgSql(pool, pool, sealing ? withCodec(POSTGRES, sealing.holder) : POSTGRES);
  return {
    sql,
    sealing,
    migrate: () => migratePostgres(pool),
    appliedMigrations: () => appliedMigrations(pool),
    async close() {
      await wake.close();
      await pool.end();
    },
    claimDue: (opts, deadAfterMs) => claimDue(pool, sql.d, opts, deadAfterMs),
    insertEvents: (batch) => insertEvents(pool, sql.d, batch),
    recordAttempts: (owner, results) => recordAttempts(pool, owner, results),
    subscribeWake: (onWake) => wake.subscribe(onWake),
    subscribeHookChanges: (onChange) => wake.subscribeHookChanges(onChange),
  };
}
