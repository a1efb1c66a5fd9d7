import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { HeraldError } from '../../src/domain/errors.ts';
import { isUnavailable, translateFault } from '../../src/store/faults.ts';
import { PgSql } from '../../src/store/postgres/sql.ts';
import { createPool } from '../../src/store/postgres/pool.ts';
import { PostgresStore } from '../../src/store/postgres/store.ts';
import { SqliteDb } from '../../src/store/sqlite/db.ts';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../helpers/pg.ts';
import { createTempSqliteDir } from '../helpers/sqlite.ts';
import { makeTenant } from './conformance/fixtures.ts';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const sqliteError = (errcode: number, errstr: string) =>
  Object.assign(new Error(errstr), { code: 'ERR_SQLITE_ERROR', errcode, errstr });

describe('isUnavailable: which failures mean "the database is not there right now"', () => {
  const cases: Array<[string, unknown, boolean]> = [
    ['pg admin shutdown 57P01', withCode('57P01'), true],
    ['pg crash shutdown 57P02', withCode('57P02'), true],
    ['pg cannot connect now 57P03', withCode('57P03'), true],
    ['pg connection exception 08006', withCode('08006'), true],
    ['pg connection does not exist 08003', withCode('08003'), true],
    ['ECONNREFUSED', withCode('ECONNREFUSED'), true],
    ['ECONNRESET', withCode('ECONNRESET'), true],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), true],
    ['pg "Connection terminated unexpectedly"', new Error('Connection terminated unexpectedly'), true],
    ['SQLITE_BUSY', sqliteError(5, 'database is locked'), true],
    ['SQLITE_LOCKED', sqliteError(6, 'database table is locked'), true],
    ['SQLITE_IOERR (extended)', sqliteError(10 | (3 << 8), 'disk I/O error'), true],
    ['SQLITE_FULL', sqliteError(13, 'database or disk is full'), true],
    ['an already typed SERVICE_UNAVAILABLE', new HeraldError('SERVICE_UNAVAILABLE'), true],
    ['pg unique violation 23505', withCode('23505'), false],
    ['pg syntax error 42601', withCode('42601'), false],
    ['pg deadlock 40P01 (retried, not unavailable)', withCode('40P01'), false],
    ['SQLITE_CONSTRAINT', sqliteError(19, 'UNIQUE constraint failed: tenants.id'), false],
    ['another HeraldError', new HeraldError('HOOK_NOT_FOUND'), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'boom', false],
    ['null', null, false],
  ];
  for (const [name, err, expected] of cases) {
    test(`${name} → ${expected ? 'unavailable' : 'passed through'}`, () => {
      assert.equal(isUnavailable(err), expected);
      const out = translateFault(err, 'op');
      if (expected) {
        assert.ok(out instanceof HeraldError);
        assert.equal(out.code, 'SERVICE_UNAVAILABLE');
        assert.equal(out.status, 503);
      } else {
        assert.equal(out, err);
      }
    });
  }
});

describe('SQLite: a busy database becomes SERVICE_UNAVAILABLE and the transaction rolls back', () => {
  test('a write while another connection holds the write lock', () => {
    const tmp = createTempSqliteDir();
    const file = join(tmp.dir, 'x.db');
    const db = new SqliteDb({ file, busyTimeoutMs: 0 });
    const other = new DatabaseSync(file);
    try {
      db.raw.exec('CREATE TABLE t (v INTEGER)');
      other.exec('BEGIN IMMEDIATE');
      assert.throws(
        () => db.tx(() => db.run('INSERT INTO t VALUES (1)')),
        (err: unknown) => err instanceof HeraldError && err.code === 'SERVICE_UNAVAILABLE',
      );
      other.exec('ROLLBACK');
      assert.equal(db.raw.isTransaction, false);
      assert.equal(db.get('SELECT count(*) AS n FROM t')?.['n'], 0);
    } finally {
      other.close();
      db.close();
      tmp.cleanup();
    }
  });
});

const skip = await pgSkipReason();

describe('PostgreSQL: connection failures become SERVICE_UNAVAILABLE', { skip }, () => {
  let db: TestDatabase | undefined;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  test('a store whose server does not answer rejects with SERVICE_UNAVAILABLE', async () => {
    const errors: Error[] = [];
    const store = new PostgresStore({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      onError: (e) => errors.push(e),
    });
    try {
      await assert.rejects(store.getTenant('ten_x'), { name: 'HeraldError', code: 'SERVICE_UNAVAILABLE' });
      await assert.rejects(store.deleteHook('ten_x', 'hook_x', 1), { code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await store.close();
    }
  });

  test('a transaction whose connection is killed half-way is rolled back whole', async () => {
    const pool = createPool({ connectionString: db!.url, max: 2 });
    const admin = new pg.Client({ connectionString: db!.url });
    admin.on('error', () => {});
    await admin.connect();
    const sql = new PgSql(pool, pool);
    const tenant = makeTenant();
    try {
      await assert.rejects(
        sql.tx(async (tx) => {
          await tx.exec('INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)', [
            tenant.id,
            tenant.name,
            tenant.createdAt,
          ]);
          const [me] = await tx.query('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [me?.['pid']]);
          await tx.query('SELECT 1');
        }),
        { code: 'SERVICE_UNAVAILABLE' },
      );
      const left = await admin.query('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [tenant.id]);
      assert.equal(left.rows[0]?.['n'], 0);
      // The pool replaced the dead connection: the next statement works.
      assert.equal((await sql.query('SELECT 1 AS one'))[0]?.['one'], 1);
    } finally {
      await admin.end();
      await pool.end();
    }
  });
});
