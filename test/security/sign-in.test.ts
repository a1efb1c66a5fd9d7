import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LoginThrottle } from '../../src/web/throttle.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { ConsoleClient } from '../web/helpers/client.ts';

const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

describe('LoginThrottle', () => {
  test('an attempt is counted when it is reserved, and a success gives it back', () => {
    const t = new LoginThrottle({ emailLimit: 3, ipLimit: 100 });
    const now = 1_000_000;
    const tickets = [0, 1, 2].map(() => t.reserve('a@x', '1.1.1.1', now));
    assert.ok(tickets.every((x) => x.waitMs === 0));
    assert.ok(t.reserve('a@x', '1.1.1.1', now).waitMs > 0, 'the fourth concurrent attempt waits');
    t.succeeded('a@x', '1.1.1.1', tickets[0]!.at);
    assert.equal(t.reserve('a@x', '1.1.1.1', now).waitMs, 0);
  });

  test('per email across addresses, and per address across emails', () => {
    const t = new LoginThrottle({ emailLimit: 3, ipLimit: 5, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) t.reserve('victim@x', `10.0.0.${i}`, 0);
    assert.ok(t.reserve('victim@x', '10.9.9.9', 1).waitMs > 0, 'a new address does not help');
    for (let i = 0; i < 5; i++) t.reserve(`u${i}@x`, '192.0.2.1', 0);
    assert.ok(t.reserve('someone-else@x', '192.0.2.1', 1).waitMs > 0, 'a new email does not help');
    assert.equal(t.reserve('victim@x', '10.9.9.9', 60_001).waitMs, 0, 'the window passes');
  });

  test('the tables are bounded, and churn cannot evict a locked email', () => {
    const t = new LoginThrottle({ emailLimit: 3, ipLimit: 3, cap: 100 });
    for (let i = 0; i < 3; i++) t.reserve('victim@x', `10.0.0.${i}`, 0);
    // An attacker rotating through thousands of addresses and emails.
    for (let i = 0; i < 5000; i++) t.reserve(`churn${i}@x`, `198.51.${i >> 8}.${i & 255}`, 1);
    assert.ok(t.size.emails <= 100 && t.size.ips <= 100, JSON.stringify(t.size));
    assert.ok(t.reserve('victim@x', '203.0.113.1', 2).waitMs > 0, 'the victim is still locked');
  });
});

describe('sign-in over HTTP', () => {
  let h: TestHerald;
  before(async () => {
    h = await startHerald('sqlite', {
      HERALD_ADMIN_EMAIL: ADMIN.email,
      HERALD_ADMIN_PASSWORD: ADMIN.password,
      HERALD_TRUST_PROXY: 'true',
    });
  });
  after(async () => h?.stop());

  test('30 concurrent wrong passwords: at most 10 are checked, the rest get 429', async () => {
    const c = new ConsoleClient(h.url);
    await c.get('/login');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        c.post('/login', { email: 'burst@example.com', password: `guess ${i}`, next: '/' }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 401).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 20);
  });

  test('behind a trusted proxy the email stays locked whatever address the guesses come from', async () => {
    const c = new ConsoleClient(h.url);
    await c.get('/login');
    for (let i = 0; i < 10; i++) {
      const res = await c.post(
        '/login',
        { email: ADMIN.email, password: `guess ${i}`, next: '/' },
        { 'x-forwarded-for': `203.0.113.${i}` },
      );
      assert.equal(res.status, 401);
    }
    const locked = await c.post('/login', { ...ADMIN, next: '/' }, { 'x-forwarded-for': '198.51.100.77' });
    assert.equal(locked.status, 429, 'even the right password waits out the lock');
    assert.match(locked.text, /Too many failed sign-in attempts/);
  });
});
