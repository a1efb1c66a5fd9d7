import type { Readable } from 'node:stream';
import type { Agent } from 'undici';
import { newId } from '../domain/ids.ts';
import type { Attempt, Delivery, Hook } from '../domain/types.ts';
import { VERSION } from '../version.ts';
import { parseRetryAfter } from '../domain/retry.ts';
import { signStandardWith, signUsetrace, signWith, standardKey } from './signature.ts';

export const RESPONSE_BODY_LIMIT = 4096;
/** A body announced at most this long is read to its end to keep the connection alive. */
const DRAIN_LIMIT = 65_536;
const USER_AGENT = `Herald/${VERSION}`;

/**
 * What an attempt needs of a claimed delivery (a ClaimedDelivery is one). Only this crosses to
 * the sender thread, so each job clones five fields of the delivery, not all sixteen.
 */
export interface Sendable {
  delivery: Pick<Delivery, 'id' | 'tenantId' | 'eventRowId' | 'attempts' | 'target'>;
  hook: Hook | null;
  payload: string;
  /** W3C trace context for the request, when tracing is on (telemetry/tracing.ts). */
  traceparent?: string | undefined;
}

export interface SendOutcome {
  attempt: Attempt;
  ok: boolean;
  retryAfterMs: number | null;
}

/** Secrets that sign now: the current one and any rotated-out one still inside its grace. */
export function liveSecrets(hook: Pick<Hook, 'secret' | 'oldSecrets'>, now: number): string[] {
  return [hook.secret, ...hook.oldSecrets.filter((s) => s.expiresAt > now).map((s) => s.secret)];
}

interface Target {
  url: string;
  username: string | null;
  password: string | null;
  secrets: string[];
  usetraceKey: string | null;
  /** The hook's (or a callback's) own headers; null when there are none. */
  headers: Record<string, string> | null;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Hook keys may be ed25519 (`whsk_`); a target's secret is always an HMAC key. */
  hookKeys: boolean;
}

const someHeaders = (h: Record<string, string> | undefined): Record<string, string> | null => {
  if (h === undefined) return null;
  for (const _ in h) return h;
  return null;
};

function targetOf(c: Sendable, now: number): Target {
  if (c.hook) {
    return {
      url: c.hook.url,
      username: c.hook.username,
      password: c.hook.password,
      secrets: liveSecrets(c.hook, now),
      usetraceKey: null,
      headers: someHeaders(c.hook.headers),
      method: 'POST',
      hookKeys: true,
    };
  }
  const t = c.delivery.target;
  if (!t) throw new Error(`delivery ${c.delivery.id} has neither a hook nor a target`);
  const secret = t.secret ?? null;
  return {
    url: t.url,
    username: t.username ?? null,
    password: t.password ?? null,
    secrets: secret === null ? [] : [secret],
    usetraceKey: t.signatureStyle === 'usetrace' ? secret : null,
    headers: someHeaders(t.headers),
    method: t.method ?? 'POST',
    hookKeys: false,
  };
}

/** Builds the request headers. The second map is what the attempt log keeps (no credentials). */
export function buildHeaders(
  c: Sendable,
  target: Target,
  timestampSec: number,
): { headers: Record<string, string>; logged: Record<string, string> } {
  const body = c.payload;
  // A user's headers come first, so Herald's own (content type, signatures, credentials) win.
  const custom = target.headers === null ? null : customHeaders(target.headers);
  const headers: Record<string, string> = {
    ...custom,
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': c.delivery.id,
    'webhook-timestamp': String(timestampSec),
  };
  if (target.secrets.length > 0) {
    headers['webhook-signature'] = target.secrets
      .map((s) =>
        target.hookKeys
          ? signWith(s, c.delivery.id, timestampSec, body)
          : signStandardWith(standardKey(s), c.delivery.id, timestampSec, body),
      )
      .join(' ');
  }
  if (target.usetraceKey !== null) headers['signature'] = signUsetrace(target.usetraceKey, body);
  if (c.traceparent !== undefined) headers['traceparent'] = c.traceparent;
  const logged = { ...headers };
  // Custom headers often carry tokens: the attempt log names them but keeps no value.
  if (custom !== null)
    for (const name in custom) if (logged[name] === custom[name]) logged[name] = '[redacted]';
  if (target.username !== null && target.password !== null) {
    headers['authorization'] =
      `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
    logged['authorization'] = 'Basic [redacted]';
  }
  return { headers, logged };
}

/** Names lower-cased, so a user's `X-Key` and Herald's own names cannot both be sent. */
function customHeaders(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(h)) out[name.toLowerCase()] = value;
  return out;
}

/** Why an attempt was cut short by its overall deadline (the AbortSignal's reason). */
class DeadlineError extends Error {
  readonly code = 'HERALD_DEADLINE';
}

/**
 * Reads at most `limit` bytes of the response body, then destroys it: that closes the
 * connection instead of draining a huge or endless body while the attempt holds a slot.
 * Keeps the first RESPONSE_BODY_LIMIT bytes.
 */
async function readLimited(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  // Leaving the loop early (break) destroys the stream; with undici that aborts the request
  // and closes its socket. A body that ended by itself leaves the connection reusable.
  if (!body.destroyed && size >= limit) body.destroy();
  return Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8');
}

function describeError(err: unknown, timeoutMs: number, signal: AbortSignal): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (
    signal.aborted ||
    err instanceof DeadlineError ||
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT'
  )
    return `timeout: no complete answer within ${timeoutMs} ms`;
  const code = e.code ?? e.cause?.code;
  const message = e.message ?? String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** The outcome of an attempt that could not be made (e.g. the sender thread died). */
export function unsentOutcome(c: Sendable, error: string): SendOutcome {
  const url = c.delivery.target?.url ?? c.hook?.url ?? '';
  return { ok: false, retryAfterMs: null, attempt: attemptOf(c, Date.now(), 0, url, {}, { error }) };
}

/**
 * Makes one attempt. Never throws: every failure is reported in the attempt. `body` is the
 * payload as bytes when the caller holds them once per event (see BodyCache); the payload
 * string otherwise. One deadline, `timeoutMs`, covers connect, headers and the body read.
 */
export async function sendOnce(
  agent: Agent,
  c: Sendable,
  timeoutMs: number,
  body: string | Buffer = c.payload,
): Promise<SendOutcome> {
  const startedAt = Date.now();
  const started = performance.now();
  let target: Target;
  let built: ReturnType<typeof buildHeaders>;
  try {
    target = targetOf(c, startedAt);
    built = buildHeaders(c, target, Math.floor(startedAt / 1000));
  } catch (err) {
    const error = `cannot build the request: ${(err as Error).message}`;
    return {
      ok: false,
      retryAfterMs: null,
      attempt: attemptOf(c, startedAt, 0, c.delivery.target?.url ?? c.hook?.url ?? '', {}, { error }),
    };
  }
  const { headers, logged } = built;
  // undici's headersTimeout and bodyTimeout are per phase, and bodyTimeout restarts with every
  // chunk: a receiver trickling one byte a second would hold the slot for ever. One timer per
  // attempt aborts the whole exchange; timers of the same duration share one list in Node.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new DeadlineError('deadline')), timeoutMs);
  try {
    const { origin, path } = splitUrl(target.url);
    const res = await agent.request({
      origin,
      path,
      method: target.method,
      headers,
      body,
      signal: abort.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    // A short body of known length is read to its end, so the connection stays reusable;
    // anything else is cut after the part the attempt log keeps.
    const length = Number(res.headers['content-length']);
    const short = length >= 0 && length <= DRAIN_LIMIT;
    const responseBody = await readLimited(res.body, short ? DRAIN_LIMIT : RESPONSE_BODY_LIMIT);
    const responseHeaders = flattenHeaders(res.headers);
    const status = res.statusCode;
    const ok = status >= 200 && status < 300;
    let error: string | null = null;
    if (status >= 300 && status < 400) error = `redirect (${status}) not followed`;
    else if (!ok) error = `HTTP ${status}`;
    const retryAfterMs = ok ? null : parseRetryAfter(responseHeaders['retry-after'], Date.now());
    return {
      ok,
      retryAfterMs,
      attempt: attemptOf(c, startedAt, performance.now() - started, target.url, logged, {
        status,
        responseHeaders,
        responseBody,
        error,
      }),
    };
  } catch (err) {
    return {
      ok: false,
      retryAfterMs: null,
      attempt: attemptOf(c, startedAt, performance.now() - started, target.url, logged, {
        error: describeError(err, timeoutMs, abort.signal),
      }),
    };
  } finally {
    clearTimeout(timer);
  }
}

const urlCache = new Map<string, { origin: string; path: string }>();

/** Origin and path of a target URL, memoised: the same few URLs are parsed thousands of times. */
function splitUrl(url: string): { origin: string; path: string } {
  let parts = urlCache.get(url);
  if (!parts) {
    const u = new URL(url);
    parts = { origin: u.origin, path: `${u.pathname}${u.search}` };
    if (urlCache.size >= 10_000) urlCache.clear();
    urlCache.set(url, parts);
  }
  return parts;
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function attemptOf(
  c: Sendable,
  startedAt: number,
  durationMs: number,
  url: string,
  requestHeaders: Record<string, string>,
  r: {
    status?: number;
    responseHeaders?: Record<string, string>;
    responseBody?: string;
    error?: string | null;
  },
): Attempt {
  return {
    id: newId('attempt', startedAt),
    deliveryId: c.delivery.id,
    tenantId: c.delivery.tenantId,
    attemptNo: c.delivery.attempts + 1,
    startedAt,
    durationMs: Math.round(durationMs * 100) / 100,
    requestUrl: url,
    requestHeaders,
    responseStatus: r.status ?? null,
    responseHeaders: r.responseHeaders ?? null,
    responseBody: r.responseBody ?? null,
    error: r.error ?? null,
  };
}
