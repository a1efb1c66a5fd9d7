/**
 * Webhook signing.
 *
 * Standard Webhooks (https://www.standardwebhooks.com/): headers `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature`, where the signature is
 * `v1,<base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))>` and several signatures (secret rotation)
 * are separated by single spaces.
 *
 * Keys: a Herald hook secret is `whsec_<base64 of 24 random bytes>` and the HMAC key is the
 * base64-decoded part after `whsec_` (what every Standard Webhooks library does). Build reporters may
 * carry a key that is NOT a whsec_ secret (an arbitrary string chosen by the user); for those the
 * HMAC key is the raw UTF-8 bytes of the string — see {@link standardKeyBytes}. Receivers verify them
 * with e.g. `new Webhook(Buffer.from(key, 'utf8'), { format: 'raw' })` from the `standardwebhooks`
 * package, or with Herald's `verifyWebhook` (which applies the same rule).
 *
 * Usetrace / GitHub style: `sha256=<lowercase hex HMAC-SHA256(rawKey utf8, body)>`, the
 * `X-Hub-Signature-256` format.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import type { SignatureScheme } from '../domain/types.ts';

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 24;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A fresh hook secret: `whsec_` + base64 of 24 random bytes (32 base64 characters). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/**
 * The HMAC key for a Standard Webhooks signature.
 *  - `whsec_<base64>` → the base64-decoded bytes (throws if the part after the prefix is not
 *    non-empty canonical base64, rather than silently signing with a mangled key);
 *  - anything else (reporter keys chosen by users) → the UTF-8 bytes of the string as given.
 * Throws on an empty secret.
 */
export function standardKeyBytes(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const b64 = secret.slice(SECRET_PREFIX.length);
    if (b64.length === 0 || !BASE64_RE.test(b64)) {
      throw new Error('Invalid whsec_ secret: the part after "whsec_" must be non-empty base64');
    }
    return Buffer.from(b64, 'base64');
  }
  if (secret.length === 0) throw new Error('Signing secret must not be empty');
  return Buffer.from(secret, 'utf8');
}

const keyCache = new Map<string, KeyObject>();

/**
 * The secret as a KeyObject, cached: HMAC with a KeyObject costs a fifth of HMAC with raw
 * bytes, which Node converts to a KeyObject on every call. Signing is on the delivery hot path.
 */
export function standardKey(secret: string): KeyObject {
  let key = keyCache.get(secret);
  if (!key) {
    if (keyCache.size >= 10_000) keyCache.clear();
    key = createSecretKey(standardKeyBytes(secret));
    keyCache.set(secret, key);
  }
  return key;
}

/** `v1,<base64 HMAC>` with an already-derived key (see {@link standardKeyBytes} and {@link standardKey}). */
export function signStandardWith(
  key: Uint8Array | KeyObject,
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  const mac = createHmac('sha256', key)
    .update(`${msgId}.${timestampSec}.`)
    .update(body, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/** Standard Webhooks signature of `body` for one secret (whsec_ or raw key, see {@link standardKeyBytes}). */
export function signStandard(secret: string, msgId: string, timestampSec: number, body: string): string {
  return signStandardWith(standardKeyBytes(secret), msgId, timestampSec, body);
}

/**
 * Value of the `webhook-signature` header: one `v1,…` (or `v1a,…` for a `whsk_` key) per hook key,
 * space separated, in the order given
 * (current secret first, then secrets still inside their rotation grace period).
 */
export function signatureHeader(
  secrets: string[],
  msgId: string,
  timestampSec: number,
  body: string,
): string {
  return secrets.map((s) => signWith(s, msgId, timestampSec, body)).join(' ');
}

/** `sha256=<hex HMAC-SHA256 of body keyed by the raw key (utf8)>` — GitHub `X-Hub-Signature-256` form. */
export function signUsetrace(rawKey: string, body: string): string {
  return 'sha256=' + createHmac('sha256', Buffer.from(rawKey, 'utf8')).update(body, 'utf8').digest('hex');
}

/**
 * Standard Webhooks v1a: ed25519 over the same `<id>.<timestamp>.<body>`. A hook with the
 * `ed25519` scheme keeps its private key where an HMAC hook keeps its secret: `whsk_` + base64
 * of the 32-byte seed (never shown), so rotation, grace and sealing treat both kinds alike.
 * Receivers verify with the public key, `whpk_` + base64 of the raw 32-byte key.
 */
export const SIGNING_KEY_PREFIX = 'whsk_';
export const PUBLIC_KEY_PREFIX = 'whpk_';
/** PKCS#8 DER of an ed25519 private key is this prefix followed by the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A new signing key for the scheme: an HMAC secret or an ed25519 private key. */
export function generateKey(scheme: SignatureScheme): string {
  return scheme === 'ed25519' ? SIGNING_KEY_PREFIX + randomBytes(32).toString('base64') : generateSecret();
}

export function isSigningKey(secret: string): boolean {
  return secret.startsWith(SIGNING_KEY_PREFIX);
}

const privateKeys = new Map<string, KeyObject>();

function ed25519Key(secret: string): KeyObject {
  let key = privateKeys.get(secret);
  if (!key) {
    const seed = Buffer.from(secret.slice(SIGNING_KEY_PREFIX.length), 'base64');
    if (seed.length !== 32) throw new Error('Invalid whsk_ key: the part after "whsk_" must be 32 bytes');
    if (privateKeys.size >= 10_000) privateKeys.clear();
    key = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
    privateKeys.set(secret, key);
  }
  return key;
}

/** `whpk_…` of an ed25519 signing key; null for an HMAC secret. */
export function publicKeyOf(secret: string): string | null {
  if (!isSigningKey(secret)) return null;
  const jwk = createPublicKey(ed25519Key(secret)).export({ format: 'jwk' });
  return PUBLIC_KEY_PREFIX + Buffer.from(jwk.x as string, 'base64url').toString('base64');
}

/** `v1a,<base64 ed25519 signature>` of `<id>.<timestamp>.<body>`. */
export function signEd25519(secret: string, msgId: string, timestampSec: number, body: string): string {
  const signed = Buffer.from(`${msgId}.${timestampSec}.${body}`, 'utf8');
  return `v1a,${sign(null, signed, ed25519Key(secret)).toString('base64')}`;
}

/** One `webhook-signature` entry for a hook key of either scheme: `v1a,…` for `whsk_`, else `v1,…`. */
export function signWith(secret: string, msgId: string, timestampSec: number, body: string): string {
  return isSigningKey(secret)
    ? signEd25519(secret, msgId, timestampSec, body)
    : signStandardWith(standardKey(secret), msgId, timestampSec, body);
}
