import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startHerald, type TestHerald } from '../helpers/herald.ts';

/**
 * Every way a request can carry an API key, made against a Herald that logs at debug (one line
 * per request, with its URL): no key, valid or not, may reach the log.
 */
describe('API keys never reach the log', () => {
  let herald: TestHerald;
  const lines: string[] = [];
  const wrongKey = `hk_${randomBytes(32).toString('base64url')}`;
  const operatorKey = `operator-chosen-${randomBytes(8).toString('hex')}`;

  before(async () => {
    herald = await startHerald(
      'sqlite',
      { HERALD_LOG_LEVEL: 'debug', HERALD_ADMIN_KEY: operatorKey },
      { logTo: { write: (line: string) => void lines.push(line) } },
    );
  });
  after(async () => herald?.stop());

  test('every spelling that authenticates is accepted, and none of them is logged', async () => {
    const k = encodeURIComponent(operatorKey);
    const authenticating = [
      `/api/hooks?key=${k}`,
      `/api/hooks?%6Bey=${k}`,
      `/api/hooks?k%65y=${k}`,
      `/api/hooks?%6b%65%79=${k}`,
      `/api/hooks?limit=5&key=${k}`,
      `/api/hooks?key=${k}#fragment`,
    ];
    for (const path of authenticating) {
      const res = await fetch(`${herald.url}${path}`);
      assert.equal(res.status, 200, path);
      await res.arrayBuffer();
    }
    for (const headers of [
      { authorization: `Bearer ${operatorKey}` },
      { authorization: `bearer  ${operatorKey}` },
    ]) {
      const res = await fetch(`${herald.url}/api/hooks`, { headers });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const refused = [
      `/api/hooks?key=${wrongKey}`,
      `/api/hooks?KEY=${k}`,
      `/api/nowhere?key=${k}`,
      `/nowhere?key=${k}`,
      `/api/hooks?key=${k}&key=${k}`,
      `/api/hooks/hook_missing?%6Bey=${wrongKey}`,
    ];
    for (const path of refused) {
      const res = await fetch(`${herald.url}${path}`);
      assert.ok(res.status >= 400, `${path} answered ${res.status}`);
      await res.arrayBuffer();
    }
    const log = lines.join('');
    assert.ok(lines.length > authenticating.length, 'the server logged its requests at debug');
    assert.ok(log.includes('[redacted]'), 'redaction left its mark');
    assert.equal(log.includes(operatorKey), false, 'the operator key is in the log');
    assert.equal(
      log.includes(encodeURIComponent(operatorKey)),
      false,
      'the encoded operator key is in the log',
    );
    assert.equal(log.includes(wrongKey), false, 'a wrong key is in the log');
    assert.equal(log.includes(wrongKey.slice(3)), false, 'the body of a wrong key is in the log');
  });
});
