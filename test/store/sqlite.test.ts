import { describe } from 'node:test';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { runStoreConformance } from './conformance.ts';
import type { StoreFixture } from './conformance.ts';

/** A store on a new file in a new temp dir; `close` closes every store opened on it and removes the dir. */
async function openFixture(migrated: boolean): Promise<StoreFixture & { close(): Promise<void> }> {
  const tmp = createTempSqliteDir();
  const file = join(tmp.dir, 'herald.db');
  // NORMAL keeps the suite fast; durability is not what it checks.
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

describe('SqliteStore conformance', () => {
  runStoreConformance({
    dialect: 'sqlite',
    fresh: () => openFixture(true),
    blank: () => openFixture(false),
  });
});
