import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  generateSecret,
  signatureHeader,
  signStandard,
  signStandardWith,
  signUsetrace,
  standardKeyBytes,
} from '../../src/delivery/signature.ts';
import { verifyWebhook, WebhookVerificationError } from '../../packages/verify/src/index.ts';

const BODY = JSON.stringify({ type: 'build.finished', data: { id: 42, name: 'déjà vu ✓' } });
const MSG_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

describe('generateSecret', () => {
  test('whsec_ + base64 of 24 random bytes', () => {
    const s = generateSecret();
    assert.match(s, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(Buffer.from(s.slice(6), 'base64').length, 24);
    assert.notEqual(generateSecret(), s);
  });
});

describe('standardKeyBytes', () => {
  test('whsec_ secrets are base64-decoded', () => {
    const raw = Buffer.from('0123456789abcdefghijklmn');
    assert.deepEqual(standardKeyBytes(`whsec_${raw.toString('base64')}`), raw);
  });
  test('other keys are their UTF-8 bytes', () => {
    assert.deepEqual(standardKeyBytes('my reporter key ✓'), Buffer.from('my reporter key ✓', 'utf8'));
  });
  for (const bad of ['whsec_', 'whsec_not base64!', 'whsec_abc', '']) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => standardKeyBytes(bad), /secret/i);
    });
  }
});

describe('Standard Webhooks signatures, checked with the standardwebhooks package', () => {
  test('known-answer vector from the Standard Webhooks reference tests', () => {
    // https://github.com/standard-webhooks/standard-webhooks (libraries/javascript/src/index.test.ts)
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const sig = signStandard(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(sig, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    assert.equal(
      new Webhook(secret).sign(
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        new Date(1614265330_000),
        '{"test": 2432232314}',
      ),
      sig,
    );
  });

  test('our signature verifies with Webhook.verify and yields the body', () => {
    const secret = generateSecret();
    const ts = nowSec();
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(ts),
      'webhook-signature': signatureHeader([secret], MSG_ID, ts, BODY),
    };
    assert.deepEqual(new Webhook(secret).verify(BODY, headers), JSON.parse(BODY));
    assert.deepEqual(new Webhook(secret).verify(Buffer.from(BODY), headers), JSON.parse(BODY));
  });

  test('rotation: a header signed with two secrets verifies with either', () => {
    const current = generateSecret();
    const previous = generateSecret();
    const ts = nowSec();
    const header = signatureHeader([current, previous], MSG_ID, ts, BODY);
    const parts = header.split(' ');
    assert.equal(parts.length, 2);
    assert.ok(parts.every((p) => /^v1,[A-Za-z0-9+/]{43}=$/.test(p)));
    const headers = { 'webhook-id': MSG_ID, 'webhook-timestamp': String(ts), 'webhook-signature': header };
    for (const s of [current, previous])
      assert.deepEqual(new Webhook(s).verify(BODY, headers), JSON.parse(BODY));
    assert.throws(() => new Webhook(generateSecret()).verify(BODY, headers), /No matching signature/);
    // and with our own verifier, with either secret or both
    for (const s of [current, previous, [previous, current]]) {
      assert.deepEqual(verifyWebhook(s, headers, BODY), JSON.parse(BODY));
    }
  });

  test('non-whsec reporter keys are keyed by their raw UTF-8 bytes', () => {
    const rawKey = 'reporter-key-Üñí-42';
    const ts = nowSec();
    const sig = signStandard(rawKey, MSG_ID, ts, BODY);
    const expected = createHmac('sha256', Buffer.from(rawKey, 'utf8'))
      .update(`${MSG_ID}.${ts}.${BODY}`)
      .digest('base64');
    assert.equal(sig, `v1,${expected}`);
    const headers = { 'webhook-id': MSG_ID, 'webhook-timestamp': String(ts), 'webhook-signature': sig };
    const wh = new Webhook(Buffer.from(rawKey, 'utf8'), { format: 'raw' });
    assert.deepEqual(wh.verify(BODY, headers), JSON.parse(BODY));
    assert.deepEqual(verifyWebhook(rawKey, headers, BODY), JSON.parse(BODY));
  });

  test('signStandardWith(standardKeyBytes(s)) equals signStandard(s)', () => {
    const s = generateSecret();
    assert.equal(signStandardWith(standardKeyBytes(s), 'id', 1, 'b'), signStandard(s, 'id', 1, 'b'));
  });

  test('tampering is detected by Webhook.verify', () => {
    const secret = generateSecret();
    const ts = nowSec();
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandard(secret, MSG_ID, ts, BODY),
    };
    assert.throws(() => new Webhook(secret).verify(BODY + ' ', headers), /No matching signature/);
    assert.throws(
      () => new Webhook(secret).verify(BODY, { ...headers, 'webhook-id': 'msg_other' }),
      /No matching signature/,
    );
  });
});

describe('signUsetrace (X-Hub-Signature-256 form)', () => {
  test('sha256=<hex HMAC of the body keyed by the raw key>', () => {
    // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!"
    assert.equal(
      signUsetrace("It's a Secret to Everybody", 'Hello, World!'),
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });
  test('matches node:crypto for a UTF-8 body and is lowercase hex', () => {
    const got = signUsetrace('k€y', BODY);
    assert.match(got, /^sha256=[0-9a-f]{64}$/);
    assert.equal(
      got,
      'sha256=' + createHmac('sha256', Buffer.from('k€y')).update(Buffer.from(BODY)).digest('hex'),
    );
  });
});

describe('verifyWebhook', () => {
  const secret = generateSecret();
  const NOW = 1_700_000_000_000; // ms
  const TS = NOW / 1000;
  const good = () => ({
    'webhook-id': MSG_ID,
    'webhook-timestamp': String(TS),
    'webhook-signature': signStandard(secret, MSG_ID, TS, BODY),
  });

  test('accepts a good delivery (string body, Buffer body, Headers object, odd header case)', () => {
    const expected = JSON.parse(BODY);
    assert.deepEqual(verifyWebhook(secret, good(), BODY, { now: NOW }), expected);
    assert.deepEqual(verifyWebhook(secret, good(), Buffer.from(BODY), { now: NOW }), expected);
    assert.deepEqual(verifyWebhook(secret, new Headers(good()), BODY, { now: NOW }), expected);
    const upper = Object.fromEntries(Object.entries(good()).map(([k, v]) => [k.toUpperCase(), v]));
    assert.deepEqual(verifyWebhook(secret, upper, BODY, { now: NOW }), expected);
    // node:http style array value with a single element
    assert.deepEqual(
      verifyWebhook(secret, { ...good(), 'webhook-id': [MSG_ID] }, BODY, { now: NOW }),
      expected,
    );
  });

  test('accepts a signature signed by standardwebhooks itself', () => {
    const wh = new Webhook(secret);
    const ts = nowSec();
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(ts),
      'webhook-signature': wh.sign(MSG_ID, new Date(ts * 1000), BODY),
    };
    assert.deepEqual(verifyWebhook(secret, headers, BODY), JSON.parse(BODY));
  });

  test('any of several space-separated signatures may match; unknown versions are ignored', () => {
    const other = signStandard(generateSecret(), MSG_ID, TS, BODY);
    const h = good();
    const headers = { ...h, 'webhook-signature': `v1a,abc ${other} ${h['webhook-signature']}` };
    assert.deepEqual(verifyWebhook(secret, headers, BODY, { now: NOW }), JSON.parse(BODY));
  });

  const REJECT: [
    string,
    () => [string | string[], Record<string, string | string[] | undefined>, string],
    RegExp,
  ][] = [
    ['tampered body', () => [secret, good(), BODY.replace('42', '43')], /No matching signature/],
    ['body with extra whitespace', () => [secret, good(), BODY + '\n'], /No matching signature/],
    ['wrong secret', () => [generateSecret(), good(), BODY], /No matching signature/],
    [
      'wrong secrets (several)',
      () => [[generateSecret(), generateSecret()], good(), BODY],
      /No matching signature/,
    ],
    [
      'changed webhook-id',
      () => [secret, { ...good(), 'webhook-id': 'msg_x' }, BODY],
      /No matching signature/,
    ],
    [
      'changed timestamp (still within tolerance)',
      () => [secret, { ...good(), 'webhook-timestamp': String(TS + 1) }, BODY],
      /No matching signature/,
    ],
    [
      'stale timestamp',
      () => {
        const ts = TS - 301;
        return [
          secret,
          {
            'webhook-id': MSG_ID,
            'webhook-timestamp': String(ts),
            'webhook-signature': signStandard(secret, MSG_ID, ts, BODY),
          },
          BODY,
        ];
      },
      /too old/,
    ],
    [
      'timestamp from the future',
      () => {
        const ts = TS + 301;
        return [
          secret,
          {
            'webhook-id': MSG_ID,
            'webhook-timestamp': String(ts),
            'webhook-signature': signStandard(secret, MSG_ID, ts, BODY),
          },
          BODY,
        ];
      },
      /too new/,
    ],
    [
      'missing webhook-id',
      () => [secret, { ...good(), 'webhook-id': undefined }, BODY],
      /Missing required header webhook-id/,
    ],
    [
      'missing webhook-timestamp',
      () => [secret, { ...good(), 'webhook-timestamp': undefined }, BODY],
      /Missing required header webhook-timestamp/,
    ],
    [
      'missing webhook-signature',
      () => [secret, { ...good(), 'webhook-signature': undefined }, BODY],
      /Missing required header webhook-signature/,
    ],
    ['no headers at all', () => [secret, {}, BODY], /Missing required header/],
    [
      'non-numeric timestamp',
      () => [secret, { ...good(), 'webhook-timestamp': '12abc' }, BODY],
      /Invalid webhook-timestamp/,
    ],
    [
      'signature without v1 prefix',
      () => [secret, { ...good(), 'webhook-signature': good()['webhook-signature'].slice(3) }, BODY],
      /No v1 signature/,
    ],
    [
      'garbage signature',
      () => [secret, { ...good(), 'webhook-signature': 'v1,!!!' }, BODY],
      /No v1 signature/,
    ],
    [
      'truncated signature',
      () => [secret, { ...good(), 'webhook-signature': good()['webhook-signature'].slice(0, 20) }, BODY],
      /No v1 signature/,
    ],
    [
      'duplicated webhook-id header',
      () => [secret, { ...good(), 'webhook-id': [MSG_ID, 'msg_other'] }, BODY],
      /exactly once/,
    ],
  ];
  for (const [name, make, re] of REJECT) {
    test(`rejects: ${name}`, () => {
      const [s, headers, body] = make();
      assert.throws(
        () => verifyWebhook(s, headers, body, { now: NOW }),
        (err: Error) => err instanceof WebhookVerificationError && re.test(err.message),
      );
    });
  }

  test('toleranceSec is configurable', () => {
    const ts = TS - 30;
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandard(secret, MSG_ID, ts, BODY),
    };
    assert.doesNotThrow(() => verifyWebhook(secret, headers, BODY, { now: NOW }));
    assert.throws(() => verifyWebhook(secret, headers, BODY, { now: NOW, toleranceSec: 10 }), /too old/);
  });

  test('a correctly signed body that is not JSON is rejected', () => {
    const body = 'not json';
    const headers = {
      'webhook-id': MSG_ID,
      'webhook-timestamp': String(TS),
      'webhook-signature': signStandard(secret, MSG_ID, TS, body),
    };
    assert.throws(() => verifyWebhook(secret, headers, body, { now: NOW }), /not valid JSON/);
  });

  test('an empty secret list is an error', () => {
    assert.throws(() => verifyWebhook([], good(), BODY, { now: NOW }), WebhookVerificationError);
  });
});
