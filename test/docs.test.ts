import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS } from '../src/domain/errors.ts';
import { CONFIG_FIELDS, loadConfig } from '../src/config.ts';

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');

test('every error code is documented in docs/errors.md with its status, and nothing else is', () => {
  const doc = read('docs/errors.md');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)`\s*\| (\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]);
  const documented = new Map(rows as Array<[string, number]>);
  for (const [code, { status }] of Object.entries(ERRORS)) {
    assert.equal(documented.get(code), status, `${code} (${status}) is not documented as such`);
  }
  for (const code of documented.keys()) assert.ok(code in ERRORS, `${code} is documented but not registered`);
});

test('every configuration variable is documented in the README', () => {
  const readme = read('README.md');
  for (const f of CONFIG_FIELDS)
    assert.ok(readme.includes(`\`${f.env}\``), `${f.env} is missing from README.md`);
});

test('README starts with the start and test commands, and .ci/run runs the test command', () => {
  const readme = read('README.md');
  const head = readme.split('\n').slice(0, 15).join('\n');
  assert.match(head, /npm ci && npm start/);
  assert.match(head, /npm ci && npm test/);
  assert.match(read('.ci/run'), /^npm ci && npm test$/m);
});

test('a bad configuration value stops start-up with a message naming the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT: must be a whole number/],
    [{ PORT: '70000' }, /PORT: must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must start with postgres/],
    [{ HERALD_RETRY_SCHEDULE: '0,5,x' }, /HERALD_RETRY_SCHEDULE: /],
    [{ HERALD_TARGET_ALLOWLIST: '10.0.0.0/99' }, /HERALD_TARGET_ALLOWLIST: /],
    [{ HERALD_PUBLIC_URL: 'not a url' }, /HERALD_PUBLIC_URL: /],
    [{ HERALD_ADMIN_KEY: 'short' }, /HERALD_ADMIN_KEY: must be at least 16/],
    [{ HERALD_RETENTION_DAYS: '0' }, /HERALD_RETENTION_DAYS: must be between/],
    [{ HERALD_SQLITE_SYNCHRONOUS: 'OFF' }, /HERALD_SQLITE_SYNCHRONOUS: must be FULL or NORMAL/],
    [{ HERALD_LOG_LEVEL: 'loud' }, /HERALD_LOG_LEVEL: /],
  ];
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), message);
  const c = loadConfig({});
  assert.equal(c.port, 8080);
  assert.equal(c.databaseUrl, null);
  assert.deepEqual(c.retrySchedule, [0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
  assert.equal(c.deliveryTimeoutMs, 15000);
  assert.equal(c.retentionDays, 30);
  assert.equal(c.publicUrl, 'http://127.0.0.1:8080');
});
