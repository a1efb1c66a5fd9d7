import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PostgresStore } from './postgres/store.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';
import type { SecretSource } from './sealing/key-source.ts';

export { SecretKeyError } from './sealing/box.ts';
export type { SecretSource } from './sealing/key-source.ts';

export type { Store } from './store.ts';
export { PostgresStore } from './postgres/store.ts';
export { SqliteStore } from './sqlite/store.ts';

export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; unset or empty selects SQLite. */
  databaseUrl?: string;
  /** Holds the SQLite file `herald.db`; created if missing. */
  dataDir: string;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** The key that seals secret columns, loaded when the store migrates (see sealing/). */
  secrets: SecretSource;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Opens the configured backend. It does not migrate: callers run `store.migrate()`. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    if (!POSTGRES_URL.test(url)) {
      // A typo (say `postgress://`) must not silently fall back to a local SQLite file.
      const scheme = url.split(':')[0] ?? '';
      throw new Error(`DATABASE_URL must start with postgres:// or postgresql:// (got "${scheme}:")`);
    }
    return new PostgresStore({ connectionString: url, secrets: opts.secrets });
  }
  await mkdir(opts.dataDir, { recursive: true });
  // Herald owns the data directory: a second process fails at once, and leases a killed
  // process left behind are released (see sqlite/lock.ts).
  return new SqliteStore({
    file: join(opts.dataDir, 'herald.db'),
    lock: true,
    secrets: opts.secrets,
    ...(opts.sqliteSynchronous === undefined ? {} : { synchronous: opts.sqliteSynchronous }),
  });
}
