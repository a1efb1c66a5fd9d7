import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { normalisePath, serverTimeouts } from '../../src/http/guards.ts';

describe('hardening configuration', () => {
  test('defaults: timeouts on, no proxy trusted, no metrics token, an hour for the setup link', () => {
    const c = loadConfig({});
    assert.deepEqual(
      [
        c.headersTimeoutMs,
        c.requestTimeoutMs,
        c.keepAliveTimeoutMs,
        c.trustProxy,
        c.metricsToken,
        c.setupLinkTtlSec,
      ],
      [10_000, 30_000, 5000, false, null, 3600],
    );
    assert.equal(c.publicUrlConfigured, false);
    const t = serverTimeouts(c);
    assert.equal(t.http.headersTimeout, 10_000);
    assert.equal(t.requestTimeout, 30_000);
    assert.ok(t.http.connectionsCheckingInterval <= 5000, 'deadlines are checked often enough to matter');
  });

  test('the header deadline cannot be later than the request deadline', () => {
    assert.throws(
      () => loadConfig({ HERALD_HEADERS_TIMEOUT_MS: '20000', HERALD_REQUEST_TIMEOUT_MS: '10000' }),
      (err: unknown) => err instanceof ConfigError && /HERALD_HEADERS_TIMEOUT_MS/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ HERALD_TRUST_PROXY: 'yes' }),
      /HERALD_TRUST_PROXY: must be true or false/,
    );
  });

  test('repeated slashes are collapsed in the path only', () => {
    const cases: Array<[string, string]> = [
      ['//api/trace/trc_1/execute?key=k', '/api/trace/trc_1/execute?key=k'],
      ['//api//hooks', '/api/hooks'],
      ['/api/hooks?next=//x//y', '/api/hooks?next=//x//y'],
      ['/plain', '/plain'],
      ['///', '/'],
    ];
    for (const [raw, want] of cases) assert.equal(normalisePath(raw), want, raw);
  });
});
