import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseAllowlist } from '../../src/network/policy.ts';
import { HeraldError } from '../../src/domain/errors.ts';
import { parseBuildRequest, parseCapabilities, parseReporters } from '../../src/builds/request.ts';

const OPEN = parseAllowlist('127.0.0.0/8');
const CLOSED = parseAllowlist('');
const hook = (over: Record<string, unknown> = {}) => ({
  url: 'https://ci.example.com/hook',
  when: 'always',
  ...over,
});

function refusal(fn: () => unknown): HeraldError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HeraldError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('build request: capabilities', () => {
  test('browsers come in the order asked, each once, case-insensitively', () => {
    assert.deepEqual(parseCapabilities([{ browserName: 'chrome' }]), ['chrome']);
    assert.deepEqual(
      parseCapabilities([
        { browserName: 'firefox' },
        { browserName: 'Chrome', version: 'latest' },
        { browserName: 'firefox' },
      ]),
      ['firefox', 'chrome'],
    );
  });

  const bad: Array<[string, unknown, string]> = [
    ['missing', undefined, '/requiredCapabilities'],
    ['null', null, '/requiredCapabilities'],
    ['empty', [], '/requiredCapabilities'],
    ['not a list', { browserName: 'chrome' }, '/requiredCapabilities'],
    ['no browserName', [{ platform: 'linux' }], '/requiredCapabilities/0/browserName'],
    [
      'an unknown browser',
      [{ browserName: 'chrome' }, { browserName: 'safari' }],
      '/requiredCapabilities/1/browserName',
    ],
    ['a browserName that is not a string', [{ browserName: 1 }], '/requiredCapabilities/0/browserName'],
  ];
  for (const [what, input, path] of bad)
    test(`a capability that is ${what} is refused with 400 naming it`, () => {
      const err = refusal(() => parseCapabilities(input));
      assert.equal(err.status, 400);
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        (err.details as Array<{ path: string }>).map((d) => d.path),
        [path],
      );
    });
});

describe('build request: webhook reporters', () => {
  test('the documented form and the nested form give the same reporters', () => {
    const full = hook({ when: 'changes', secretKey: 'k', username: 'u', password: 'p' });
    const expected = [{ url: full.url, when: 'changes', secretKey: 'k', username: 'u', password: 'p' }];
    assert.deepEqual(parseReporters([{ webhook: full }], CLOSED), expected);
    assert.deepEqual(parseReporters({ reporters: [{ webhook: full }] }, CLOSED), expected);
    assert.deepEqual(parseReporters(undefined, CLOSED), []);
    assert.deepEqual(parseReporters(null, CLOSED), []);
    assert.deepEqual(parseReporters({ reporters: [] }, CLOSED), []);
  });

  test('optional fields given as null or "" are not given', () => {
    assert.deepEqual(
      parseReporters([{ webhook: hook({ secretKey: '', username: null, password: '' }) }], CLOSED),
      [
        {
          url: 'https://ci.example.com/hook',
          when: 'always',
          secretKey: null,
          username: null,
          password: null,
        },
      ],
    );
  });

  const bad: Array<[string, unknown, string, string]> = [
    ['no url', [{ webhook: { when: 'always' } }], 'VALIDATION_FAILED', '/reporters/0/webhook/url'],
    ['an invalid url', [{ webhook: hook({ url: 'not a url' }) }], 'INVALID_URL', '/reporters/0/webhook/url'],
    [
      'an ftp url',
      [{ webhook: hook({ url: 'ftp://example.com/x' }) }],
      'INVALID_URL',
      '/reporters/0/webhook/url',
    ],
    [
      'a loopback url',
      [{ webhook: hook({ url: 'http://127.0.0.1:9/x' }) }],
      'TARGET_BLOCKED',
      '/reporters/0/webhook/url',
    ],
    [
      'a metadata url',
      [{ webhook: hook({ url: 'http://169.254.169.254/' }) }],
      'TARGET_BLOCKED',
      '/reporters/0/webhook/url',
    ],
    [
      'no when',
      [{ webhook: { url: 'https://x.example/' } }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/when',
    ],
    [
      'an unknown when',
      [{ webhook: hook({ when: 'sometimes' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/when',
    ],
    [
      'the seed placeholder as when',
      [{ webhook: hook({ when: '<always|fails|changes' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/when',
    ],
    [
      'only a username',
      [{ webhook: hook({ username: 'u' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/password',
    ],
    [
      'only a password',
      [{ webhook: hook({ password: 'p' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/username',
    ],
    [
      'a misspelt field',
      [{ webhook: hook({ secret: 'k' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/secret',
    ],
    [
      'a broken whsec_ key',
      [{ webhook: hook({ secretKey: 'whsec_!!' }) }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook/secretKey',
    ],
    ['another kind of reporter', [{ email: { to: 'a@b.c' } }], 'VALIDATION_FAILED', '/reporters/0'],
    [
      'a webhook that is not an object',
      [{ webhook: 'https://x.example/' }],
      'VALIDATION_FAILED',
      '/reporters/0/webhook',
    ],
    [
      'nested, with a bad url',
      { reporters: [{ webhook: hook({ url: '' }) }] },
      'VALIDATION_FAILED',
      '/reporters/reporters/0/webhook/url',
    ],
    ['an object that is not the nested form', { webhook: hook() }, 'VALIDATION_FAILED', '/reporters'],
    ['a string', 'https://x.example/', 'VALIDATION_FAILED', '/reporters'],
  ];
  for (const [what, input, code, path] of bad)
    test(`a reporter with ${what} is refused with 400 (${code})`, () => {
      const err = refusal(() => parseReporters(input, CLOSED));
      assert.equal(err.status, 400);
      assert.equal(err.code, code);
      assert.deepEqual(
        (err.details as Array<{ path: string }>).map((d) => d.path),
        [path],
      );
    });

  test('HERALD_TARGET_ALLOWLIST opens loopback reporters, as for hooks', () => {
    assert.equal(parseReporters([{ webhook: hook({ url: 'http://127.0.0.1:9/x' }) }], OPEN).length, 1);
  });
});

describe('build request: the whole body', () => {
  test("Usetrace's reference execute-all request is understood", () => {
    const body = JSON.parse(
      readFileSync(new URL('./fixtures/usetrace-execute-all-request.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(parseBuildRequest(body, CLOSED), {
      browsers: ['chrome', 'firefox'],
      baseUrl: 'http://google.com',
      tags: ['smoke'],
      commit: 'abc123',
      commitLink: 'https://gitgit.git/git/abc123',
      parameters: { username: 'Arto', password: 'mysecret' },
      reporters: [],
    });
  });

  test('parameters that are numbers or booleans become strings; a blocked baseUrl is refused', () => {
    const r = parseBuildRequest(
      { requiredCapabilities: [{ browserName: 'chrome' }], parameters: { n: 3, b: true } },
      CLOSED,
    );
    assert.deepEqual(r.parameters, { n: '3', b: 'true' });
    assert.equal(r.baseUrl, null);
    const err = refusal(() =>
      parseBuildRequest(
        { requiredCapabilities: [{ browserName: 'chrome' }], baseUrl: 'http://10.0.0.1/' },
        CLOSED,
      ),
    );
    assert.equal(err.code, 'TARGET_BLOCKED');
  });
});
