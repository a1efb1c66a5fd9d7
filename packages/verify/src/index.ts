/**
 * herald-verify: receiver-side verification of Herald deliveries, with no dependency but
 * `node:crypto` (Node 18 or later). Herald itself imports this file as `herald/verify`; the
 * package builds it to `.js` plus `.d.ts` for plain JavaScript (see README "Verifying a webhook").
 *
 * - Standard Webhooks `v1` (HMAC-SHA256): verify with the hook's `whsec_…` secret.
 * - Standard Webhooks `v1a` (ed25519): verify with the hook's `whpk_…` public key.
 * - Usetrace build reporters: the `Signature: sha256=<hex>` header, with the reporter's `secretKey`
 *   ({@link verifyUsetraceSignature}).
 *
 * Verify the RAW body, before any JSON parsing: the signature covers the exact bytes sent.
 *
 * ```js
 * import http from 'node:http';
 * import { verifyWebhook, WebhookVerificationError } from 'herald-verify';
 *
 * const key = process.env.WEBHOOK_KEY; // "whsec_…" (HMAC hook) or "whpk_…" (ed25519 hook)
 *
 * http
 *   .createServer(async (req, res) => {
 *     const chunks = [];
 *     for await (const chunk of req) chunks.push(chunk);
 *     try {
 *       const event = verifyWebhook(key, req.headers, Buffer.concat(chunks));
 *       console.log('verified', req.headers['webhook-id'], event);
 *       res.writeHead(204).end();
 *     } catch (err) {
 *       if (!(err instanceof WebhookVerificationError)) throw err;
 *       res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
 *     }
 *   })
 *   .listen(8080);
 * ```
 *
 * During a rotation pass both keys (`verifyWebhook([newKey, oldKey], …)`): Herald signs with the
 * current key and, for a grace period, with the previous one too; a delivery is accepted if any
 * signature in the header matches any key of its kind.
 *
 * Key rule (as Herald's signer): `whsec_<base64>` is base64-decoded; `whpk_<base64>` is a raw
 * 32-byte ed25519 public key; any other string is an HMAC key used as raw UTF-8 bytes.
 */
import {
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyOptions {
  /** Maximum allowed distance between `webhook-timestamp` and now, in seconds. Default 300 (5 min). */
  toleranceSec?: number;
  /** Current time in MILLISECONDS since the epoch (like `Date.now()`); for tests. */
  now?: number;
}

/** `req.headers` of node:http (or any plain object), or anything with `get(name)` like a fetch `Headers`. */
export type HeaderBag = Record<string, string | string[] | undefined> | { get(name: string): string | null };

const DEFAULT_TOLERANCE_SEC = 5 * 60;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function keyBytes(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new WebhookVerificationError('Key must be a non-empty string');
  }
  if (secret.startsWith('whsec_')) {
    const b64 = secret.slice('whsec_'.length);
    if (b64.length === 0 || !BASE64_RE.test(b64)) {
      throw new WebhookVerificationError('Invalid whsec_ secret: the part after "whsec_" must be base64');
    }
    return Buffer.from(b64, 'base64');
  }
  return Buffer.from(secret, 'utf8');
}

function getHeader(headers: HeaderBag, name: string): string | undefined {
  let value: string | string[] | null | undefined;
  if (typeof headers.get === 'function') {
    value = (headers as { get(name: string): string | null }).get(name);
  } else {
    const bag = headers as Record<string, string | string[] | undefined>;
    value = bag[name];
    if (value === undefined) {
      for (const key of Object.keys(bag)) {
        if (key.toLowerCase() === name) {
          value = bag[key];
          break;
        }
      }
    }
  }
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== 1) {
      throw new WebhookVerificationError(`Header ${name} must appear exactly once`);
    }
    value = value[0] as string;
  }
  return value;
}

const PUBLIC_KEY_PREFIX = 'whpk_';

function publicKey(key: string): KeyObject {
  const b64 = key.slice(PUBLIC_KEY_PREFIX.length);
  const raw = BASE64_RE.test(b64) ? Buffer.from(b64, 'base64') : null;
  if (!raw || raw.length !== 32) {
    throw new WebhookVerificationError(
      'Invalid whpk_ key: the part after "whpk_" must be 32 bytes in base64',
    );
  }
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
}

/** The signatures of one version (`v1`, `v1a`) in a `webhook-signature` header. */
function signaturesOf(header: string, version: string, bytes: number): Buffer[] {
  const out: Buffer[] = [];
  for (const part of header.split(' ')) {
    const comma = part.indexOf(',');
    if (comma === -1 || part.slice(0, comma) !== version) continue;
    const b64 = part.slice(comma + 1);
    if (!BASE64_RE.test(b64)) continue;
    const sig = Buffer.from(b64, 'base64');
    if (sig.length === bytes) out.push(sig);
  }
  return out;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
  } catch {
    throw new WebhookVerificationError('Webhook body is not valid JSON');
  }
}

const asBytes = (rawBody: string | Uint8Array): Buffer =>
  typeof rawBody === 'string'
    ? Buffer.from(rawBody, 'utf8')
    : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);

/**
 * Verify a Standard Webhooks delivery and return its parsed JSON body.
 *
 * @param key     the hook's `whsec_…` secret or `whpk_…` public key, or several (rotation); see the key rule above
 * @param headers `req.headers` of node:http, a plain object (any header-name case) or a fetch `Headers`
 * @param rawBody the body exactly as received (a Buffer or Uint8Array; a string is taken as UTF-8)
 * @throws WebhookVerificationError when a header is missing/malformed, the timestamp is outside the
 *   tolerance, no signature matches, or the verified body is not JSON
 */
export function verifyWebhook(
  key: string | string[],
  headers: HeaderBag,
  rawBody: string | Uint8Array,
  opts: VerifyOptions = {},
): unknown {
  const keys = Array.isArray(key) ? key : [key];
  if (keys.length === 0) throw new WebhookVerificationError('No key given');
  const hmacKeys = keys.filter((k) => !k.startsWith(PUBLIC_KEY_PREFIX)).map(keyBytes);
  const publicKeys = keys.filter((k) => k.startsWith(PUBLIC_KEY_PREFIX)).map(publicKey);

  const msgId = getHeader(headers, 'webhook-id');
  const timestampText = getHeader(headers, 'webhook-timestamp');
  const signatureText = getHeader(headers, 'webhook-signature');
  if (!msgId) throw new WebhookVerificationError('Missing required header webhook-id');
  if (!timestampText) throw new WebhookVerificationError('Missing required header webhook-timestamp');
  if (!signatureText) throw new WebhookVerificationError('Missing required header webhook-signature');

  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    throw new WebhookVerificationError('Invalid webhook-timestamp header: expected Unix seconds');
  }
  const timestamp = Number(timestampText.trim());
  const toleranceSec = opts.toleranceSec ?? DEFAULT_TOLERANCE_SEC;
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  if (nowSec - timestamp > toleranceSec) {
    throw new WebhookVerificationError(
      `Message timestamp too old (${nowSec - timestamp} s; tolerance ${toleranceSec} s)`,
    );
  }
  if (timestamp - nowSec > toleranceSec) {
    throw new WebhookVerificationError(
      `Message timestamp too new (${timestamp - nowSec} s in the future; tolerance ${toleranceSec} s)`,
    );
  }

  const body = asBytes(rawBody);
  const signed = Buffer.concat([Buffer.from(`${msgId}.${timestamp}.`, 'utf8'), body]);
  const v1 = hmacKeys.length > 0 ? signaturesOf(signatureText, 'v1', 32) : [];
  const v1a = publicKeys.length > 0 ? signaturesOf(signatureText, 'v1a', 64) : [];
  if (v1.length === 0 && v1a.length === 0) {
    const wanted = [hmacKeys.length > 0 && 'v1', publicKeys.length > 0 && 'v1a'].filter(Boolean).join(' or ');
    throw new WebhookVerificationError(`No ${wanted} signature found in webhook-signature header`);
  }

  let matched = false;
  for (const k of hmacKeys) {
    const expected = createHmac('sha256', k).update(signed).digest();
    // Every pair is compared, so timing does not reveal which one matched.
    for (const sig of v1) if (timingSafeEqual(expected, sig)) matched = true;
  }
  for (const k of publicKeys)
    for (const sig of v1a) if (verifySignature(null, signed, k, sig)) matched = true;
  if (!matched) throw new WebhookVerificationError('No matching signature found');
  return parseJson(body);
}

/**
 * Verify a Usetrace-style build report (Herald's webhook reporters with a `secretKey`): the
 * `Signature: sha256=<hex HMAC-SHA256 of the body, keyed by the secretKey as UTF-8>` header.
 * Returns the parsed JSON body. (Herald signs these with `webhook-signature` v1 too, keyed by the
 * same string: `verifyWebhook(secretKey, …)` checks that one, with its timestamp.)
 */
export function verifyUsetraceSignature(
  secretKey: string,
  headers: HeaderBag,
  rawBody: string | Uint8Array,
): unknown {
  if (typeof secretKey !== 'string' || secretKey.length === 0) {
    throw new WebhookVerificationError('secretKey must be a non-empty string');
  }
  const header = getHeader(headers, 'signature');
  if (!header) throw new WebhookVerificationError('Missing required header Signature');
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) throw new WebhookVerificationError('Invalid Signature header: expected sha256=<64 hex digits>');
  const body = asBytes(rawBody);
  const expected = createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(body).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'))) {
    throw new WebhookVerificationError('Signature does not match');
  }
  return parseJson(body);
}
