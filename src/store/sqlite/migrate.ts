import { loadMigrations, MIGRATIONS_TABLE, pendingMigrations } from '../migrate.ts';
import type { SqliteDb } from './db.ts';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT`;

export function appliedMigrations(db: SqliteDb): number[] {
  const exists = db.get(
    `SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`,
    MIGRATIONS_TABLE,
  );
  if (!exists) return [];
  return db.all(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).map((r) => Number(r['version']));
}

/**
 * Applies each pending migration in its own BEGIN IMMEDIATE transaction, re-reading the
 * applied versions under the write lock so two processes opening the same file cannot both
 * apply one.
 */
export async function migrateSqlite(db: SqliteDb): Promise<void> {
  const all = await loadMigrations('sqlite');
  db.raw.exec(CREATE_TABLE);
  for (const migration of pendingMigrations(all, appliedMigrations(db))) {
    db.tx(() => {
      if (appliedMigrations(db).includes(migration.version)) return;
      db.raw.exec(migration.sql);
      db.run(
        `INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, ?, ?)`,
        migration.version,
        migration.name,
        Date.now(),
      );
    });
  }
}
