import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
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
  const live = [hook.secret];
  for (const s of hook.oldSecrets) if (s.expiresAt > now) live.push(s.secret);
  return live;
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
    let signatures = '';
    for (const s of target.secrets) {
      const one = target.hookKeys
        ? signWith(s, c.delivery.id, timestampSec, body)
        : signStandardWith(standardKey(s), c.delivery.id, timestampSec, body);
      signatures = signatures === '' ? one : `${signatures} ${one}`;
    }
    headers['webhook-signature'] = signatures;
  }
  if (target.usetraceKey !== null) headers['signature'] = signUsetrace(target.usetraceKey, body);
  if (c.traceparent !== undefined) headers['traceparent'] = c.traceparent;
  const credentials = target.username !== null && target.password !== null;
  // Without custom headers or credentials the log keeps exactly what is sent (undici only reads it).
  if (custom === null && !credentials) return { headers, logged: headers };
  const logged = { ...headers };
  // Custom headers often carry tokens: the attempt log names them but keeps no value.
  if (custom !== null)
    for (const name in custom) if (logged[name] === custom[name]) logged[name] = '[redacted]';
  if (credentials) {
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

/** Why an attempt was cut short by its overall deadline. */
class DeadlineError extends Error {
  readonly code = 'HERALD_DEADLINE';
}

/** Why a response was cut after the part the attempt log keeps (never reported: the attempt succeeded). */
class BodyCutError extends Error {
  readonly code = 'HERALD_BODY_CUT';
}

/** What is known of an attempt before it is sent. */
interface Prepared {
  c: Sendable;
  url: string;
  logged: Record<string, string>;
  startedAt: number;
  /** performance.now() at the start, for the duration. */
  started: number;
  timeoutMs: number;
}

/**
 * One attempt in flight: the undici handler that reads the answer as undici parses it, with no
 * stream, promise or AbortSignal per request (a third of the sender's CPU went to those), and
 * its own node in the list of deadlines (see Deadlines).
 */
class Exchange implements Dispatcher.DispatchHandler {
  prev: Exchange | null = null;
  next: Exchange | null = null;
  readonly deadline: number;
  private readonly deadlines: Deadlines;
  private readonly p: Prepared;
  private readonly done: (o: SendOutcome) => void;
  private controller: Dispatcher.DispatchController | null = null;
  /** True while agent.dispatch runs: an error it reports then is passed on a tick later. */
  dispatching = true;
  private settled = false;
  private expired = false;
  private status = 0;
  private headers: IncomingHttpHeaders | null = null;
  /** Bytes read before the body is cut; DRAIN_LIMIT for a short body of known length. */
  private limit = RESPONSE_BODY_LIMIT;
  private chunks: Buffer[] | null = null;
  private size = 0;
  private error: unknown = null;

  constructor(deadlines: Deadlines, p: Prepared, done: (o: SendOutcome) => void) {
    this.deadlines = deadlines;
    this.p = p;
    this.done = done;
    this.deadline = deadlines.add(this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // A request that waited in the pool until (nearly) its deadline is aborted as it gets a
    // connection, not sent: it could not get its answer in time, and the receiver would do the
    // work of an attempt recorded as a timeout. "Nearly" because attempts that started together
    // have deadlines a few ms apart: when the first is aborted at its deadline, the connection it
    // frees goes at once to the next, whose own deadline is still a moment away.
    if (this.expired || performance.now() >= this.deadline - startMarginMs(this.p.timeoutMs)) {
      controller.abort(new DeadlineError('deadline'));
    } else this.controller = controller;
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // informational (100 Continue): the answer follows
    this.status = statusCode;
    this.headers = headers;
    // A short body of known length is read to its end, so the connection stays reusable;
    // anything else is cut after the part the attempt log keeps.
    const length = Number(headers['content-length']);
    if (length >= 0 && length <= DRAIN_LIMIT) this.limit = DRAIN_LIMIT;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    (this.chunks ??= []).push(chunk);
    this.size += chunk.length;
    if (this.size < this.limit) return;
    this.settle();
    // Aborting closes the connection instead of draining a huge or endless body while the
    // attempt holds a slot; the attempt itself has succeeded.
    controller.abort(new BodyCutError('response body cut'));
  }

  onResponseEnd(): void {
    this.settle();
  }

  onResponseError(_c: Dispatcher.DispatchController | null, err: Error): void {
    if (this.settled) return;
    this.error = err;
    this.settle();
  }

  /** Called by Deadlines when the attempt's time is up: every attempt due is marked first. */
  markExpired(): void {
    this.expired = true;
  }

  /** Then each is aborted (see Deadlines.fire). */
  abortExpired(): void {
    this.controller?.abort(new DeadlineError('deadline'));
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.deadlines.remove(this);
    // Never call back from inside dispatch: a caller starting the next attempt from the
    // callback would recurse.
    if (this.dispatching) queueMicrotask(() => this.done(this.outcome()));
    else this.done(this.outcome());
  }

  private outcome(): SendOutcome {
    const p = this.p;
    if (this.error !== null || this.expired) {
      return failed(p, describeError(this.error, p.timeoutMs, this.expired));
    }
    const responseHeaders = flattenHeaders(this.headers ?? {});
    const status = this.status;
    const ok = status >= 200 && status < 300;
    let error: string | null = null;
    if (status >= 300 && status < 400) error = `redirect (${status}) not followed`;
    else if (!ok) error = `HTTP ${status}`;
    const retryAfterMs = ok ? null : parseRetryAfter(responseHeaders['retry-after'], Date.now());
    return {
      ok,
      retryAfterMs,
      attempt: attemptOf(p.c, p.startedAt, performance.now() - p.started, p.url, p.logged, {
        status,
        responseHeaders,
        responseBody: this.body(),
        error,
      }),
    };
  }

  /** The first RESPONSE_BODY_LIMIT bytes of the body, as text. */
  private body(): string {
    const chunks = this.chunks;
    if (chunks === null) return '';
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
    return bytes.toString('utf8', 0, Math.min(bytes.length, RESPONSE_BODY_LIMIT));
  }
}

/** How close to its deadline a request may still be sent: 50 ms, or a tenth of a short timeout. */
function startMarginMs(timeoutMs: number): number {
  return Math.min(50, timeoutMs / 10);
}

/**
 * The deadlines of the attempts in flight, in the order they started. Every attempt of a list
 * has the same timeout, so the list is also ordered by deadline: one timer, armed for the
 * oldest attempt, serves them all, and an attempt that ends unlinks itself. undici's own
 * headersTimeout and bodyTimeout are per phase, and bodyTimeout restarts with every chunk: a
 * receiver trickling one byte a second would hold the slot for ever.
 */
class Deadlines {
  private readonly timeoutMs: number;
  private head: Exchange | null = null;
  private tail: Exchange | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** True while fire() ends attempts: one may start another, and fire() arms the timer after. */
  private firing = false;

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Links `e` at the end and returns its deadline. */
  add(e: Exchange): number {
    const deadline = performance.now() + this.timeoutMs;
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    if (this.timer === null && !this.firing) this.arm(this.timeoutMs);
    return deadline;
  }

  remove(e: Exchange): void {
    if (e.prev) e.prev.next = e.next;
    else if (this.head === e) this.head = e.next;
    else return; // not linked
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
  }

  private arm(ms: number): void {
    // Unreferenced: while an attempt is in flight its socket or lookup keeps the process alive.
    this.timer = setTimeout(() => this.fire(), Math.max(1, Math.ceil(ms)));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.firing = true;
    const now = performance.now();
    let e = this.head;
    try {
      const due: Exchange[] = [];
      while (e !== null && e.deadline <= now) {
        this.remove(e);
        due.push(e);
        e = this.head;
      }
      // Every attempt due is marked before any is aborted: aborting one frees its connection,
      // and undici at once starts an attempt waiting in the pool for it, which must see that
      // its own time is up too rather than send its request.
      for (const x of due) x.markExpired();
      for (const x of due) x.abortExpired();
    } finally {
      this.firing = false;
      // The head has the earliest deadline, also when expire() started new attempts.
      if (this.head !== null) this.arm(this.head.deadline - now);
    }
  }
}

const deadlineLists = new Map<number, Deadlines>();

function deadlinesFor(timeoutMs: number): Deadlines {
  let d = deadlineLists.get(timeoutMs);
  if (!d) {
    d = new Deadlines(timeoutMs);
    deadlineLists.set(timeoutMs, d);
  }
  return d;
}

function describeError(err: unknown, timeoutMs: number, expired: boolean): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (
    expired ||
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
export function sendOnce(
  agent: Dispatcher,
  c: Sendable,
  timeoutMs: number,
  body: string | Buffer = c.payload,
): Promise<SendOutcome> {
  return new Promise((resolve) => startAttempt(agent, c, timeoutMs, body, resolve));
}

/** sendOnce with a callback: `done` gets the outcome, never before this returns. */
export function startAttempt(
  agent: Dispatcher,
  c: Sendable,
  timeoutMs: number,
  body: string | Buffer,
  done: (o: SendOutcome) => void,
): void {
  const startedAt = Date.now();
  const started = performance.now();
  let target: Target;
  let built: ReturnType<typeof buildHeaders>;
  try {
    target = targetOf(c, startedAt);
    built = buildHeaders(c, target, Math.floor(startedAt / 1000));
  } catch (err) {
    const error = `cannot build the request: ${(err as Error).message}`;
    const url = c.delivery.target?.url ?? c.hook?.url ?? '';
    const o: SendOutcome = {
      ok: false,
      retryAfterMs: null,
      attempt: attemptOf(c, startedAt, 0, url, {}, { error }),
    };
    queueMicrotask(() => done(o));
    return;
  }
  const { headers, logged } = built;
  const p: Prepared = { c, url: target.url, logged, startedAt, started, timeoutMs };
  let split: { origin: string; path: string };
  try {
    split = splitUrl(target.url);
  } catch (err) {
    const o = failed(p, describeError(err, timeoutMs, false));
    queueMicrotask(() => done(o));
    return;
  }
  const exchange = new Exchange(deadlinesFor(timeoutMs), p, done);
  // Errors, synchronous ones included, reach the handler's onResponseError.
  agent.dispatch(
    {
      origin: split.origin,
      path: split.path,
      method: target.method,
      headers,
      body,
      // The overall deadline ends the attempt first; these per-phase timers would only cost.
      headersTimeout: 0,
      bodyTimeout: 0,
    },
    exchange,
  );
  exchange.dispatching = false;
}

function failed(p: Prepared, error: string): SendOutcome {
  return {
    ok: false,
    retryAfterMs: null,
    attempt: attemptOf(p.c, p.startedAt, performance.now() - p.started, p.url, p.logged, { error }),
  };
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

/** Repeated headers joined; undici's own object when no header is repeated (most answers). */
function flattenHeaders(h: IncomingHttpHeaders): Record<string, string> {
  let plain = true;
  for (const k in h) {
    if (typeof h[k] !== 'string') {
      plain = false;
      break;
    }
  }
  if (plain) return h as Record<string, string>;
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
