import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { hashPassword, UserError, verifyPassword } from '../../src/auth/users.ts';
import { UserService, type NewUser } from '../../src/services/users.ts';
import { SqliteStore } from '../../src/store/sqlite/store.ts';
import { createTempSqliteDir, type TempSqliteDir } from '../helpers/sqlite.ts';

describe('passwords', () => {
  test('a hash verifies its password only, and is salted', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.notEqual(a, b, 'a fresh salt every time');
    assert.equal(await verifyPassword('correct horse battery', a), true);
    assert.equal(await verifyPassword('correct horse batterY', a), false);
    assert.equal(await verifyPassword('', a), false);
  });

  test('malformed or hostile stored hashes are refused, not thrown', async () => {
    for (const stored of [
      '',
      'plain',
      'bcrypt$1$2$3$4$5',
      'scrypt$x$8$1$c2FsdA$aGFzaA',
      'scrypt$1099511627776$8$1$c2FsdGFsdA$aGFzaGhhc2hoYXNoaGFzaA', // absurd cost
      'scrypt$16384$8$1$c2FsdA$aGFzaA', // hash too short to mean anything
    ])
      assert.equal(await verifyPassword('x', stored), false, stored);
  });
});

describe('users', () => {
  let tmp: TempSqliteDir;
  let store: SqliteStore;
  const users = () => new UserService({ store });
  before(async () => {
    tmp = createTempSqliteDir();
    store = new SqliteStore({ file: join(tmp.dir, 'herald.db'), synchronous: 'NORMAL' });
    await store.migrate();
  });
  after(async () => {
    await store.close();
    tmp.cleanup();
  });

  test('creating a user lower-cases the email, hashes the password and defaults to an admin of the default tenant', async () => {
    const user = await users().create({ email: '  Ada@Example.COM ', password: 'analytical engine' });
    assert.equal(user.email, 'ada@example.com');
    assert.equal(user.tenantId, DEFAULT_TENANT_ID);
    assert.equal(user.role, 'admin');
    assert.match(user.id, /^usr_[0-9a-z]{26}$/);
    assert.ok(!user.passwordHash.includes('analytical'));
    assert.ok(await store.getTenant(DEFAULT_TENANT_ID), 'the default tenant was created');
    assert.deepEqual(await users().authenticate('ADA@example.com', 'analytical engine'), user);
    assert.equal(await users().authenticate('ada@example.com', 'wrong password'), null);
    assert.equal(await users().authenticate('nobody@example.com', 'analytical engine'), null);
  });

  test('creating a user names the field that is wrong', async () => {
    const cases: Array<[NewUser, string, RegExp]> = [
      [{ email: 'not-an-email', password: 'long enough' }, 'email', /email address like/],
      [{ email: 'short@example.com', password: 'seven77' }, 'password', /at least 8/],
      [{ email: 'ada@example.com', password: 'long enough' }, 'email', /already exists/],
      [{ email: 'x@example.com', password: 'long enough', tenantId: 'ten_missing' }, 'tenant', /No tenant/],
    ];
    for (const [input, field, message] of cases)
      await assert.rejects(users().create(input), (err: unknown) => {
        assert.ok(err instanceof UserError);
        assert.equal(err.field, field);
        assert.match(err.message, message);
        return true;
      });
  });

  test('ensuring the admin user creates the user once and never resets a changed password', async () => {
    await users().ensureAdmin('Boss@example.com', 'first password');
    const user = await store.console.findUserByEmail('boss@example.com');
    assert.equal(user?.role, 'admin');
    await store.console.setPasswordHash(user!.tenantId, user!.id, await hashPassword('changed password'));
    await users().ensureAdmin('boss@example.com', 'first password');
    assert.ok(await users().authenticate('boss@example.com', 'changed password'));
    assert.equal(
      (await store.console.listUsers(DEFAULT_TENANT_ID)).filter((u) => u.email === 'boss@example.com').length,
      1,
    );
  });
});
