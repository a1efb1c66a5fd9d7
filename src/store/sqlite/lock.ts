import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/**
 * Herald owns its data directory. The lock is SQLite's own EXCLUSIVE lock on a small side
 * database `herald.lock` (rollback journal, `locking_mode=EXCLUSIVE`): taken by its first write
 * and held until the connection closes. It is an OS-level (fcntl) lock, so it vanishes when
 * the process dies, SIGKILL included; it also works between two opens inside one process.
 * A separate file rather than the WAL database itself keeps readers such as `sqlite3` backup
 * tools able to read herald.db. The holder's pid goes to `herald.pid` for the message.
 */
// Held locks stay reachable until released: a collected DatabaseSync closes its file, and
// closing drops the OS lock even while the process still writes the data directory.
const held = new Set<DataDirLock>();

export class DataDirLock {
  readonly #db: DatabaseSync;
  readonly #pidFile: string;

  private constructor(db: DatabaseSync, pidFile: string) {
    this.#db = db;
    this.#pidFile = pidFile;
  }

  /** Takes the lock or throws at once naming the process that holds it. */
  static acquire(dir: string): DataDirLock {
    const pidFile = join(dir, 'herald.pid');
    const db = new DatabaseSync(join(dir, 'herald.lock'));
    try {
      db.exec('PRAGMA busy_timeout = 0');
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('PRAGMA journal_mode = DELETE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL, at INTEGER NOT NULL)');
      db.exec(`DELETE FROM owner; INSERT INTO owner VALUES (${process.pid}, ${Date.now()})`);
      db.exec('COMMIT');
    } catch (err) {
      db.close();
      const code = (err as { errcode?: number }).errcode;
      if (code !== undefined && (code & 0xff) === 5) {
        throw new Error(`${dir} is in use by another Herald process (pid ${readPid(pidFile)})`, {
          cause: err,
        });
      }
      throw err;
    }
    writeFileSync(pidFile, `${process.pid}\n`);
    const lock = new DataDirLock(db, pidFile);
    held.add(lock);
    return lock;
  }

  release(): void {
    held.delete(this);
    if (!this.#db.isOpen) return;
    if (readPid(this.#pidFile) === String(process.pid)) rmSync(this.#pidFile, { force: true });
    this.#db.close();
  }
}

function readPid(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}
