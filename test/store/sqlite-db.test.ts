import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { SqliteDb, type SqliteSynchronous } from '../../src/store/sqlite/db.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';

/** PRAGMA synchronous as SQLite reports it: 1 NORMAL, 2 FULL. */
const synchronousOf = (db: SqliteDb): unknown => db.get('PRAGMA synchronous')?.['synchronous'];

function withDb(synchronous: SqliteSynchronous, fn: (db: SqliteDb, file: string) => void): void {
  const tmp = createTempSqliteDir();
  const file = join(tmp.dir, 'x.db');
  const db = new SqliteDb({ file, synchronous });
  try {
    db.raw.exec('CREATE TABLE t (v INTEGER)');
    fn(db, file);
  } finally {
    db.close();
    tmp.cleanup();
  }
}

test('an unsynced transaction commits without waiting for the disk, then the connection is durable again', () => {
  withDb('FULL', (db, file) => {
    assert.equal(synchronousOf(db), 2);
    const inside = db.txUnsynced(() => {
      db.run('INSERT INTO t VALUES (1)');
      return synchronousOf(db);
    });
    assert.equal(inside, 1);
    assert.equal(synchronousOf(db), 2);
    const other = new DatabaseSync(file);
    try {
      assert.equal(other.prepare('SELECT count(*) AS n FROM t').get()?.['n'], 1);
    } finally {
      other.close();
    }
  });
});

test('an unsynced transaction that throws rolls back and leaves the connection durable', () => {
  withDb('FULL', (db) => {
    assert.throws(() =>
      db.txUnsynced(() => {
        db.run('INSERT INTO t VALUES (1)');
        throw new Error('boom');
      }),
    );
    assert.equal(db.raw.isTransaction, false);
    assert.equal(db.get('SELECT count(*) AS n FROM t')?.['n'], 0);
    assert.equal(synchronousOf(db), 2);
  });
});

test('inside a durable transaction an unsynced one joins it and changes nothing', () => {
  withDb('FULL', (db) => {
    const inside = db.tx(() => db.txUnsynced(() => synchronousOf(db)));
    assert.equal(inside, 2);
  });
});

test('a database opened with synchronous=NORMAL stays so', () => {
  withDb('NORMAL', (db) => {
    assert.equal(
      db.txUnsynced(() => synchronousOf(db)),
      1,
    );
    assert.equal(synchronousOf(db), 1);
  });
});
