import { dirname, resolve } from 'node:path';
import { sealingFor, SqlStore, type Backend, type Sealing } from '../sql-store.ts';
import type { SecretSource } from '../sealing/key-source.ts';
import { SQLITE, withCodec } from '../shared/rows.ts';
import { claimDue, releaseAllLeases } from './claim.ts';
import { SqliteDb } from './db.ts';
import type { SqliteSynchronous } from './db.ts';
import { insertEvents } from './insertEvents.ts';
import { DataDirLock } from './lock.ts';
import { appliedMigrations, migrateSqlite } from './migrate.ts';
import { recordAttempts } from './recordAttempts.ts';
import { gateFor, SqliteSql } from './sql.ts';

export interface SqliteStoreOptions {
  /** Path of the database file (created if missing), or `:memory:`. */
  file: string;
  synchronous?: SqliteSynchronous;
  /**
   * Take the exclusive lock of the file's directory (see DataDirLock): a second process
   * fails at once, and leases a killed owner left are released on open. openStore sets it.
   */
  lock?: boolean;
  /** See Store.registerWorker; default 15 s. */
  deadAfterMs?: number;
  /** Seal secret columns with this key (openStore always gives one); without it they stay plain. */
  secrets?: SecretSource;
}

/**
 * The embedded backend: one process owns the file. Everything runs synchronously on one
 * connection; the async methods return settled promises.
 */
export class SqliteStore extends SqlStore {
  constructor(opts: SqliteStoreOptions) {
    const lock = opts.lock ? DataDirLock.acquire(dirname(opts.file)) : null;
    let db: SqliteDb;
    try {
      db = new SqliteDb({
        file: opts.file,
        ...(opts.synchronous === undefined ? {} : { synchronous: opts.synchronous }),
      });
      if (lock) releaseAllLeases(db);
    } catch (err) {
      lock?.release();
      throw err;
    }
    super(
      sqliteBackend(
        db,
        gateFor(opts.file === ':memory:' ? opts.file : resolve(opts.file)),
        lock,
        sealingFor(opts.secrets),
      ),
      opts.deadAfterMs,
    );
  }
}

function sqliteBackend(
  db: SqliteDb,
  gate: ReturnType<typeof gateFor>,
  lock: DataDirLock | null,
  sealing: Sealing | null,
): Backend {
  const sql = new SqliteSql(db, gate, sealing ? withCodec(SQLITE, sealing.holder) : SQLITE);
  return {
    sql,
    sealing,
    migrate: () => migrateSqlite(db),
    appliedMigrations: () => sql.run(appliedMigrations),
    async close() {
      db.close();
      lock?.release();
    },
    claimDue: (opts, deadAfterMs) => sql.run(() => claimDue(db, sql.d, opts, deadAfterMs)),
    insertEvents: (batch) => sql.run(() => insertEvents(db, sql.d, batch)),
    recordAttempts: (owner, results) => sql.run(() => recordAttempts(db, owner, results)),
    // One process owns the file and wakes its own workers; nothing to listen to.
    subscribeWake: async () => async () => {},
    subscribeHookChanges: async () => async () => {},
  };
}
