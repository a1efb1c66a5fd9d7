import { describe } from 'node:test';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { runConsoleConformance } from './store-conformance.ts';

describe('SQLite ConsoleStore conformance', () => {
  runConsoleConformance({
    async fresh() {
      const tmp = createTempSqliteDir();
      const store = new SqliteStore({ file: join(tmp.dir, 'herald.db'), synchronous: 'NORMAL' });
      await store.migrate();
      return {
        store,
        async close() {
          await store.close();
          tmp.cleanup();
        },
      };
    },
  });
});
