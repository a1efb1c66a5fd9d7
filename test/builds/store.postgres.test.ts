import { after, before, describe } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createTestDatabase, pgSkipReason } from '../helpers/pg.ts';
import type { TestDatabase } from '../helpers/pg.ts';
import { runBuildStoreConformance } from './store-conformance.ts';
import type { StoreFixture } from './store-conformance/fixtures.ts';

// Children before parents. Emptying the tables between tests is far cheaper than a database
// per test; the tests of one file run one at a time.
const TABLES = [
  'build_screenshots',
  'build_runs',
  'builds',
  'traces',
  'sites',
  'projects',
  'attempts',
  'deliveries',
  'events',
  'hooks',
  'api_keys',
  'tenants',
];

async function fixtureOn(url: string, onClose?: () => Promise<void>) {
  const open = () => new PostgresStore({ connectionString: url, poolSize: 4 });
  const store = open();
  const opened = [store];
  const fixture: StoreFixture & { close(): Promise<void> } = {
    store,
    async openAnother() {
      const another = open();
      opened.push(another);
      return another;
    },
    appliedMigrations: () => store.appliedMigrations(),
    async close() {
      for (const s of opened) await s.close();
      await onClose?.();
    },
  };
  return fixture;
}

async function emptyTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(TABLES.map((t) => `DELETE FROM ${t};`).join('\n'));
  } finally {
    await client.end();
  }
}

const skip = await pgSkipReason();

describe('PostgresStore builds conformance', { skip }, () => {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  runBuildStoreConformance({
    dialect: 'postgres',
    async fresh() {
      if (!db) throw new Error('test database was not created');
      await emptyTables(db.url);
      return fixtureOn(db.url);
    },
    async blank() {
      const blank = await createTestDatabase({ migrated: false });
      return fixtureOn(blank.url, () => blank.drop());
    },
  });
});
