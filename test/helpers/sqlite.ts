import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempSqliteDir {
  dir: string;
  /** Removes the directory and everything in it (the database, its WAL and SHM files). */
  cleanup(): void;
}

/** A fresh empty directory under os.tmpdir() for one test's SQLite database. */
export function createTempSqliteDir(): TempSqliteDir {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sqlite-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
