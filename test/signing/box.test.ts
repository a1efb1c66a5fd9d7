import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  keyIdOf,
  parseKey,
  PLAIN,
  SecretBox,
  SecretKeyError,
  sealedWith,
} from '../../src/store/sealing/box.ts';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

describe('the sealing codec', () => {
  test('seals to hs1.<key id>.…, fresh each time, and opens back', () => {
    const box = new SecretBox([k1]);
    const a = box.seal('whsec_abc');
    const b = box.seal('whsec_abc');
    assert.match(a, new RegExp(`^hs1\\.${keyIdOf(k1)}\\.[A-Za-z0-9_-]+$`));
    assert.notEqual(a, b, 'a random IV per value');
    assert.equal(box.open(a), 'whsec_abc');
    assert.equal(new SecretBox([k1]).open(b), 'whsec_abc');
    assert.equal(sealedWith(a), keyIdOf(k1));
    assert.ok(!a.includes('whsec_abc'));
  });

  test('during a rotation the new key seals and both open; a key the box lacks is refused', () => {
    const old = new SecretBox([k1]).seal('p4ss');
    const rotating = new SecretBox([k2, k1]);
    assert.equal(rotating.open(old), 'p4ss');
    assert.equal(sealedWith(rotating.seal('x')), keyIdOf(k2));
    assert.throws(() => new SecretBox([k2]).open(old), SecretKeyError);
  });

  test('refuses a changed character, a value cut short, and another key behind the same id', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret');
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    assert.throws(() => new SecretBox([k1]).open(flipped), /does not authenticate/);
    assert.throws(() => box.open(sealed.slice(0, 30)), SecretKeyError);
    const forged = sealed.replace(keyIdOf(k1), keyIdOf(k2));
    assert.throws(() => new SecretBox([k2]).open(forged), /does not authenticate/);
  });

  test('a value from before sealing reads as it is; a store without a key never hands out sealed text', () => {
    assert.equal(new SecretBox([k1]).open('legacy-password'), 'legacy-password');
    assert.equal(PLAIN.open('legacy'), 'legacy');
    assert.throws(() => PLAIN.open(new SecretBox([k1]).seal('s')), /this store has no key/);
  });

  test('keys are 32 bytes in base64 or base64url; anything else is refused with where it came from', () => {
    assert.deepEqual(parseKey(k1.toString('base64'), 'X'), k1);
    assert.deepEqual(parseKey(k1.toString('base64url'), 'X'), k1);
    assert.throws(
      () => parseKey(randomBytes(16).toString('base64'), 'HERALD_SECRET_KEY'),
      /HERALD_SECRET_KEY must be 32/,
    );
    assert.throws(() => parseKey('not a key!', 'line 1'), /line 1 must be 32/);
  });
});
