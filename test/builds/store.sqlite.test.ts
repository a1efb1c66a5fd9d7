import { describe } from 'node:test';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { runBuildStoreConformance } from './store-conformance.ts';
import type { StoreFixture } from './store-conformance/fixtures.ts';

async function openFixture(migrated: boolean): Promise<StoreFixture & { close(): Promise<void> }> {
  const tmp = createTempSqliteDir();
  const file = join(tmp.dir, 'herald.db');
  const open = () => new SqliteStore({ file, synchronous: 'NORMAL' });
  const store = open();
  const opened = [store];
  if (migrated) await store.migrate();
  return {
    store,
    async openAnother() {
      const another = open();
      opened.push(another);
      return another;
    },
    appliedMigrations: () => store.appliedMigrations(),
    async close() {
      for (const s of opened) await s.close();
      tmp.cleanup();
    },
  };
}

describe('SqliteStore builds conformance', () => {
  runBuildStoreConformance({
    dialect: 'sqlite',
    fresh: () => openFixture(true),
    blank: () => openFixture(false),
  });
});
