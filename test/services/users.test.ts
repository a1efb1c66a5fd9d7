import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserError } from '../../src/auth/users.ts';
import { HeraldError } from '../../src/domain/errors.ts';
import { hashToken, SESSION_TTL_MS } from '../../src/services/users.ts';
import { serviceFixture } from './core-deps.ts';

const rejectsWith = (code: string) => (err: unknown) => err instanceof HeraldError && err.code === code;

describe('UserService', () => {
  const f = serviceFixture();

  test('a user of another tenant needs that tenant to exist', async () => {
    const { services } = f();
    await assert.rejects(
      services.users.create({ email: 'a@example.com', password: 'long enough', tenantId: 'ten_nope' }),
      (err: unknown) => err instanceof UserError && err.field === 'tenant',
    );
  });

  test('a session is stored as the hash of its token, and found by the token until it ends', async () => {
    const { services, store } = f();
    const user = await services.users.create({ email: 's@example.com', password: 'long enough' });
    const now = Date.now();
    const { token, session } = await services.users.startSession(user, now);
    assert.equal(session.tokenHash, hashToken(token));
    assert.equal(session.expiresAt, now + SESSION_TTL_MS);
    assert.equal((await services.users.session(token, now))?.user.id, user.id);
    assert.equal(await services.users.session(`${token}x`, now), null);
    await services.users.endSession(session.id);
    assert.equal(await services.users.session(token, now), null);
    assert.equal(await store.console.findSession(session.tokenHash, now), null);
  });

  test('a session slides: used after an hour, its expiry moves out', async () => {
    const { services } = f();
    const user = await services.users.create({ email: 'slide@example.com', password: 'long enough' });
    const start = Date.now();
    const { token } = await services.users.startSession(user, start);
    const later = start + 2 * 3_600_000;
    assert.equal((await services.users.session(token, later))?.session.expiresAt, later + SESSION_TTL_MS);
  });

  test('changing the password checks the current one and ends every session', async () => {
    const { services } = f();
    const user = await services.users.create({ email: 'pw@example.com', password: 'first password' });
    const { token } = await services.users.startSession(user);
    const wrong = await services.users.changePassword(user, {
      current: 'nope',
      next: 'short',
      confirm: 'short',
    });
    assert.deepEqual(Object.keys(wrong.ok ? {} : wrong.errors).sort(), ['current', 'next']);
    const ok = await services.users.changePassword(user, {
      current: 'first password',
      next: 'second password',
      confirm: 'second password',
    });
    assert.equal(ok.ok, true);
    assert.equal(await services.users.session(token), null);
    assert.ok(await services.users.authenticate('pw@example.com', 'second password'));
    assert.equal(await services.users.authenticate('pw@example.com', 'first password'), null);
  });

  test('an admin removes another user, never themselves', async () => {
    const { services, tenantId } = f();
    const admin = await services.users.create({ email: 'boss@example.com', password: 'long enough' });
    const other = await services.users.create({
      email: 'them@example.com',
      password: 'long enough',
      role: 'member',
    });
    await assert.rejects(services.users.remove(admin, admin.id), rejectsWith('FORBIDDEN'));
    assert.equal((await services.users.remove(admin, other.id)).id, other.id);
    assert.ok(!(await services.users.list(tenantId)).some((u) => u.id === other.id));
    await assert.rejects(services.users.remove(admin, other.id), rejectsWith('NOT_FOUND'));
  });
});
