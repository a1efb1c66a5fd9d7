/**
 * Receiver-side verification of Herald (Standard Webhooks) deliveries. Self-contained: depends only on
 * `node:crypto`, so it can be imported as `herald/verify` or copied into a receiver.
 *
 * Example — a plain `node:http` receiver. The signature covers the exact bytes sent, so verify the RAW
 * body before any JSON parsing or re-serialisation:
 *
 * ```ts
 * import http from 'node:http';
 * import { verifyWebhook, WebhookVerificationError } from 'herald/verify';
 *
 * const secret = process.env.WEBHOOK_SECRET!; // "whsec_…" as shown when the hook was created
 *
 * http
 *   .createServer(async (req, res) => {
 *     const chunks: Buffer[] = [];
 *     for await (const chunk of req) chunks.push(chunk as Buffer);
 *     const rawBody = Buffer.concat(chunks);
 *     try {
 *       const event = verifyWebhook(secret, req.headers, rawBody);
 *       console.log('verified event', req.headers['webhook-id'], event);
 *       res.writeHead(204).end();
 *     } catch (err) {
 *       if (!(err instanceof WebhookVerificationError)) throw err;
 *       res.writeHead(400, { 'content-type': 'text/plain' }).end(err.message);
 *     }
 *   })
 *   .listen(8080);
 * ```
 *
 * During a secret rotation pass both secrets (`verifyWebhook([newSecret, oldSecret], …)`): Herald
 * signs with the current secret and, for a grace period, with the previous one too; the delivery is
 * accepted if any `v1` signature in the header matches any of the secrets.
 *
 * Key rule (same as Herald's signer): a `whsec_<base64>` secret is base64-decoded; any other string is
 * used as raw UTF-8 bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

const DEFAULT_TOLERANCE_SEC = 5 * 60;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function keyBytes(secret: string): Buffer {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new WebhookVerificationError('Secret must be a non-empty string');
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
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    value = headers.get(name);
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

/**
 * Verify a Standard Webhooks delivery and return its parsed JSON body.
 *
 * @param secret  the hook secret, or several (rotation); see the key rule above
 * @param headers `req.headers` of node:http, a plain object (any header-name case) or a fetch `Headers`
 * @param rawBody the body exactly as received (Buffer preferred; a string is hashed as UTF-8)
 * @throws WebhookVerificationError when a header is missing/malformed, the timestamp is outside the
 *   tolerance, no signature matches, or the verified body is not JSON
 */
export function verifyWebhook(
  secret: string | string[],
  headers: HeaderBag,
  rawBody: string | Buffer,
  opts: VerifyOptions = {},
): unknown {
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) throw new WebhookVerificationError('No secret given');
  const keys = secrets.map(keyBytes);

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

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = keys.map((key) =>
    createHmac('sha256', key).update(`${msgId}.${timestamp}.`).update(body).digest(),
  );

  const candidates: Buffer[] = [];
  for (const part of signatureText.split(' ')) {
    if (part === '') continue;
    const comma = part.indexOf(',');
    if (comma === -1) continue;
    if (part.slice(0, comma) !== 'v1') continue; // other schemes (e.g. v1a) are not ours
    const b64 = part.slice(comma + 1);
    if (!BASE64_RE.test(b64)) continue;
    const sig = Buffer.from(b64, 'base64');
    if (sig.length === 32) candidates.push(sig);
  }
  if (candidates.length === 0) {
    throw new WebhookVerificationError('No v1 signature found in webhook-signature header');
  }

  let matched = false;
  for (const exp of expected) {
    for (const sig of candidates) {
      // Both are 32 bytes; evaluate every pair so timing does not reveal which one matched.
      if (timingSafeEqual(exp, sig)) matched = true;
    }
  }
  if (!matched) throw new WebhookVerificationError('No matching signature found');

  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookVerificationError('Webhook body is not valid JSON');
  }
}
