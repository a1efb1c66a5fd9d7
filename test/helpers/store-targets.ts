import { after, before } from 'node:test';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
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
  /**
   * Rows of a read on a connection of its own (`$1, $2, …` placeholders), for what the Store
   * interface does not show, such as where a row is kept.
   */
  peek(text: string, params?: readonly (string | number)[]): Promise<Record<string, unknown>[]>;
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

type Peek = StoreFixture['peek'];

function peekSqlite(file: string): Peek {
  return async (text, params = []) => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return db.prepare(text.replace(/\$(\d+)/g, '?$1')).all(...params) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };
}

function peekPostgres(url: string): Peek {
  return async (text, params = []) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(text, [...params])).rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
}

function fixtureOf<S extends SqliteStore | PostgresStore>(
  open: () => S,
  onClose: () => Promise<void> | void,
  peek: Peek,
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
    peek,
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
      peekSqlite(file),
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
      return fixtureOf(open(db.url), () => undefined, peekPostgres(db.url));
    },
    async blank() {
      const blank = await createTestDatabase({ migrated: false });
      return fixtureOf(open(blank.url), () => blank.drop(), peekPostgres(blank.url));
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
