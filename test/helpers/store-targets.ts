import { after, before } from 'node:test';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import type { Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from './pg.ts';
import { createTempSqliteDir } from './sqlite.ts';

/** One store under test, with what a conformance suite needs around it. */
export interface StoreFixture {
  store: Store;
  /** Another Store instance on the same database, as a second process would have. */
  openAnother(): Promise<Store>;
  /**
   * The database opened as a restarted Herald opens it (openStore): on SQLite under the
   * data-dir lock, which releases every lease a killed process left.
   */
  reopen(): Promise<Store>;
  /** Versions recorded in herald_migrations. */
  appliedMigrations(): Promise<number[]>;
  /** Closes every store opened on the fixture and frees its database. */
  close(): Promise<void>;
}

/** What a backend gives every conformance suite (core, builds, console). */
export interface StoreTarget {
  dialect: 'sqlite' | 'postgres';
  /** A migrated, empty store; called per test. */
  fresh(): Promise<StoreFixture>;
  /** A store on a database that was never migrated. */
  blank(): Promise<StoreFixture>;
}

function fixtureOf<S extends SqliteStore | PostgresStore>(
  open: () => S,
  onClose: () => Promise<void> | void,
  openAsHerald: () => S = open,
): StoreFixture {
  const store = open();
  const opened: S[] = [store];
  return {
    store,
    async openAnother() {
      const another = open();
      opened.push(another);
      return another;
    },
    async reopen() {
      const again = openAsHerald();
      opened.push(again);
      return again;
    },
    appliedMigrations: () => store.appliedMigrations(),
    async close() {
      for (const s of opened) await s.close();
      await onClose();
    },
  };
}

/** Each fixture is a new file in a new temp dir. */
export function sqliteTarget(): StoreTarget {
  const make = async (migrated: boolean) => {
    const tmp = createTempSqliteDir();
    const file = join(tmp.dir, 'herald.db');
    // NORMAL keeps the suites fast; durability is not what they check.
    const f = fixtureOf(
      () => new SqliteStore({ file, synchronous: 'NORMAL' }),
      () => tmp.cleanup(),
      () => new SqliteStore({ file, synchronous: 'NORMAL', lock: true }),
    );
    if (migrated) await f.store.migrate();
    return f;
  };
  return { dialect: 'sqlite', fresh: () => make(true), blank: () => make(false) };
}

/**
 * One database per test file (call inside a describe: it registers the before/after that
 * create and drop it). Between tests `tables` are emptied, children first: far cheaper than a
 * database per test, since DROP DATABASE forces a checkpoint. The tests of a file run one at
 * a time.
 */
export function postgresTarget(tables: readonly string[]): StoreTarget {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });
  const open = (url: string) => () => new PostgresStore({ connectionString: url, poolSize: 4 });
  return {
    dialect: 'postgres',
    async fresh() {
      if (!db) throw new Error('test database was not created');
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(tables.map((t) => `DELETE FROM ${t};`).join('\n'));
      } finally {
        await client.end();
      }
      return fixtureOf(open(db.url), () => undefined);
    },
    async blank() {
      const blank = await createTestDatabase({ migrated: false });
      return fixtureOf(open(blank.url), () => blank.drop());
    },
  };
}

/** The core tables, children first. */
export const CORE_TABLES = [
  'attempts',
  'deliveries',
  'events',
  'hooks',
  'api_keys',
  'tenants',
  'workers',
] as const;
