import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';

/**
 * Numbered plain-SQL migrations, one folder per dialect (`migrations/<dialect>/001_init.sql`).
 * The files are the source of truth; each backend applies the pending ones in a transaction
 * and records the version in `herald_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export type Dialect = 'sqlite' | 'postgres';

const FILE_RE = /^(\d+)_([a-z0-9_-]+)\.sql$/i;

export const MIGRATIONS_TABLE = 'herald_migrations';

export function migrationsDir(dialect: Dialect): URL {
  return new URL(`./migrations/${dialect}/`, import.meta.url);
}

/** Every migration of a dialect, in version order. */
export async function loadMigrations(dialect: Dialect): Promise<Migration[]> {
  const dir = migrationsDir(dialect);
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_RE.exec(file);
    if (!match) throw new Error(`Migration file ${file} must be named NNN_name.sql`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) {
      throw new Error(`Duplicate migration version ${version} in ${dir.pathname}`);
    }
    migrations.push({ version, name: match[2] ?? file, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * The migrations still to apply. A database that records a version this code does not know
 * was migrated by a newer Herald: refuse rather than run against a schema we do not understand.
 */
export function pendingMigrations(all: Migration[], applied: Iterable<number>): Migration[] {
  const known = new Set(all.map((m) => m.version));
  const done = new Set(applied);
  for (const version of done) {
    if (!known.has(version)) {
      throw new Error(
        `Database has migration ${version}, which this version of Herald does not know; upgrade Herald`,
      );
    }
  }
  return all.filter((m) => !done.has(m.version));
}

/** A short digest of a dialect's migrations, e.g. to name a test template database. */
export async function migrationsDigest(dialect: Dialect): Promise<string> {
  const hash = createHash('sha256');
  for (const m of await loadMigrations(dialect)) hash.update(`${m.version}:${m.name}:${m.sql}\n`);
  return hash.digest('hex').slice(0, 12);
}
