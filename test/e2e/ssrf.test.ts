import { NO_HOOK_OPTIONS } from '../../src/domain/hook-options.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { newId } from '../../src/domain/ids.ts';
import { DEFAULT_TENANT_ID } from '../../src/services/tenants.ts';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

/**
 * SSRF end to end, with loopback spellings only: even if the block were broken, every request
 * would land on this machine. Herald runs WITHOUT an allowlist here.
 */
describe('SSRF protection end to end', () => {
  let h: TestHerald;
  let rx: Receiver;
  let rx6: Receiver | null = null;

  before(async () => {
    h = await startHerald('sqlite', { HERALD_TARGET_ALLOWLIST: '' });
    rx = await Receiver.start('127.0.0.1');
    rx6 = await Receiver.start('::1').catch(() => null);
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await rx6?.close();
  });

  const spellings = (): string[] => {
    const p = rx.port;
    const list = [
      `http://127.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://127.0.1:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://2130706433:${p}/`,
      `http://017700000001:${p}/`,
      `http://0x7f.0.0.1:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.000.000.001:${p}/`,
      `http://127.0.0.2:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/`,
      `http://localhost:${p}/`,
      `http://LOCALHOST:${p}/`,
      `http://localhost.:${p}/`,
      `https://127.0.0.1:${p}/`,
    ];
    if (rx6) list.push(`http://[::1]:${rx6.port}/`, `http://[0:0:0:0:0:0:0:1]:${rx6.port}/`);
    return list;
  };

  /** Other names that /etc/hosts maps to loopback: only a connect-time check can catch them. */
  const hostsNames = (): string[] => {
    const out: string[] = [];
    for (const line of readFileSync('/etc/hosts', 'utf8').split('\n')) {
      const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
      for (const name of names) {
        if (!name || /localhost/i.test(name)) continue;
        if (addr?.startsWith('127.')) out.push(`http://${name}:${rx.port}/`);
        if (addr === '::1' && rx6) out.push(`http://${name}:${rx6.port}/`);
      }
    }
    return out;
  };

  test('hook creation refuses loopback targets in every spelling', async () => {
    for (const url of spellings()) {
      const res = await h.api('POST', '/api/hooks', { name: 'x', url, objects: ['site'] });
      assert.equal(res.status, 400, `${url} was accepted`);
      assert.equal(res.body.error.code, 'TARGET_BLOCKED', `${url}: ${res.text}`);
    }
    assert.deepEqual((await h.api('GET', '/api/hooks')).body.data, []);
  });

  test('at connect time the resolved address is checked, so no request reaches loopback', async () => {
    // `localhost.` does not resolve on every machine; it is refused at creation above.
    const urls = [...spellings().filter((u) => !u.includes('localhost.')), ...hostsNames()];
    assert.ok(urls.length >= 15);
    const now = Date.now();
    // Stand-ins for hooks whose names resolved elsewhere when they were saved (DNS rebinding):
    // they go straight into the store, past the API's checks.
    const hooks = urls.map((url, i) => ({
      id: newId('hook', now),
      tenantId: DEFAULT_TENANT_ID,
      name: `rebind ${i}`,
      url,
      objects: ['site'],
      events: null,
      enabled: true,
      username: null,
      password: null,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      oldSecrets: [],
      signatureScheme: 'hmac-sha256' as const,
      publicKey: null,
      failingSince: null,
      lastSuccessAt: null,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
      ...NO_HOOK_OPTIONS,
    }));
    for (const hook of hooks) await h.app.store.createHook(hook);
    const pub = await h.api('POST', '/api/events', {
      event: 'site.created',
      data: { object: 'site', name: 'n', siteKey: 'k', projectID: 'p', siteUrl: 'http://www.example.com' },
    });
    assert.equal(pub.status, 202);
    assert.equal(pub.body.deliveries.length, urls.length);
    for (const d of pub.body.deliveries as Array<{ id: string; hookId: string }>) {
      const url = hooks.find((x) => x.id === d.hookId)!.url;
      let res;
      for (;;) {
        res = await h.api('GET', `/api/deliveries/${d.id}`);
        if (res.body.attemptLog.length > 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const attempt = res.body.attemptLog[0];
      assert.equal(attempt.response, null, `${url} got a response`);
      assert.match(attempt.error, /blocked by the network policy/, `${url}: ${attempt.error}`);
      // A name's resolved address is not told to the tenant (an IP literal they wrote may be).
      const host = new URL(url).hostname;
      if (!/^[\d.]+$|^\[/.test(host))
        assert.doesNotMatch(attempt.error, /127\.|::1/, `${url} told its address: ${attempt.error}`);
    }
    assert.equal(rx.requests.length, 0, 'the IPv4 receiver was reached');
    assert.equal(rx6?.requests.length ?? 0, 0, 'the IPv6 receiver was reached');
  });
});
