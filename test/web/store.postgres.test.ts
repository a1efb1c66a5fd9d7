import { after, before, describe } from 'node:test';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';
import { runConsoleConformance } from './store-conformance.ts';

// Children before parents; emptying is far cheaper than a database per test.
const TABLES = [
  'console_sessions',
  'console_users',
  'attempts',
  'deliveries',
  'events',
  'hooks',
  'api_keys',
  'tenants',
];

const skip = await pgSkipReason();

describe('PostgreSQL ConsoleStore conformance', { skip }, () => {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  runConsoleConformance({
    async fresh() {
      if (!db) throw new Error('test database was not created');
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        await client.query(TABLES.map((t) => `DELETE FROM ${t};`).join('\n'));
      } finally {
        await client.end();
      }
      const store = new PostgresStore({ connectionString: db.url, poolSize: 2 });
      return { store, close: () => store.close() };
    },
  });
});
