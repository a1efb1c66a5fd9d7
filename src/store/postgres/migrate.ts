import type pg from 'pg';
import { loadMigrations, MIGRATIONS_TABLE, pendingMigrations } from '../migrate.ts';
import { query } from './pool.ts';
import type { Queryable } from './pool.ts';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

// Session-level advisory lock, per database: concurrent migrators (several workers starting
// at once) queue up instead of racing on CREATE TABLE.
const LOCK = `hashtext('${MIGRATIONS_TABLE}')`;

export async function appliedMigrations(db: Queryable): Promise<number[]> {
  const exists = await query(db, 'SELECT to_regclass($1) AS t', [MIGRATIONS_TABLE]);
  if (exists.rows[0]?.['t'] === null) return [];
  const res = await query(db, `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`);
  return res.rows.map((r) => Number(r['version']));
}

/** Applies each pending migration in its own transaction, which also records its version. */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const all = await loadMigrations('postgres');
  const client = await pool.connect();
  // A dropped connection rejects the statement in flight; the event must not end the process.
  const ignore = (): void => {};
  client.on('error', ignore);
  let broken: Error | undefined;
  try {
    await client.query(`SELECT pg_advisory_lock(${LOCK})`);
    try {
      await client.query(CREATE_TABLE);
      for (const migration of pendingMigrations(all, await appliedMigrations(client))) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES ($1, $2, $3)`,
            [migration.version, migration.name, Date.now()],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(
            `migration ${migration.version}_${migration.name} failed: ${(err as Error).message}`,
            {
              cause: err,
            },
          );
        }
      }
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
    }
  } catch (err) {
    // Destroying the connection also drops the advisory lock if unlocking failed.
    broken = err as Error;
    throw err;
  } finally {
    client.off('error', ignore);
    client.release(broken);
  }
}
