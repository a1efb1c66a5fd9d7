/**
 * How jobs and outcomes cross between the worker and the sender thread. Structured clone
 * rebuilds an object property by property, which cost more than the attempt itself: a job
 * (three objects) took ~2 µs to read on the thread, an outcome (three objects, two of them
 * header maps) ~4–8 µs on the main thread. Here each message is one flat array of
 * primitives, a fixed number of slots per job or outcome, and an outcome's header maps
 * travel as JSON, which V8 parses into objects far faster than it clones them. What either
 * side already knows (a delivery's ids, the attempt number) does not travel back.
 */
import type { AttemptId } from '../domain/ids.ts';
import type { Attempt, DeliveryTarget, Hook } from '../domain/types.ts';
import type { Sendable, SendOutcome } from './send.ts';

/** A job as the sender thread reads it: the delivery without its payload (that travels once per event). */
export interface WireJob {
  id: number;
  claimed: Omit<Sendable, 'payload'>;
  /** Requests of `key` the thread runs at once; the rest of its jobs wait there in order. */
  key: string;
  cap: number;
  /** Epoch ms after which the job goes back unstarted (a rate-limited send); null: never. */
  startBy: number | null;
}

/**
 * Slots per job: id, delivery id, tenant, event row id, attempts, target, hook, traceparent, key,
 * cap, startBy.
 */
export const JOB_SLOTS = 11;

/** Writes job `id` of `c` (only the fields of WireJob travel: never the payload). */
export function writeJob(
  out: unknown[],
  id: number,
  c: Omit<Sendable, 'payload'>,
  key: string,
  cap: number,
  startBy: number | null = null,
): void {
  const d = c.delivery;
  // A hook object shared by many jobs of one message is cloned once (structured clone keeps identity).
  out.push(
    id,
    d.id,
    d.tenantId,
    d.eventRowId,
    d.attempts,
    d.target,
    c.hook,
    c.traceparent,
    key,
    cap,
    startBy,
  );
}

/** The job at slot `i` of a message. */
export function readJob(m: readonly unknown[], i: number): WireJob {
  const traceparent = m[i + 7] as string | undefined;
  const delivery = {
    id: m[i + 1] as Sendable['delivery']['id'],
    tenantId: m[i + 2] as string,
    eventRowId: m[i + 3] as Sendable['delivery']['eventRowId'],
    attempts: m[i + 4] as number,
    target: m[i + 5] as DeliveryTarget | null,
  };
  const hook = m[i + 6] as Hook | null;
  return {
    id: m[i] as number,
    claimed: traceparent === undefined ? { delivery, hook } : { delivery, hook, traceparent },
    key: m[i + 8] as string,
    cap: m[i + 9] as number,
    startBy: m[i + 10] as number | null,
  };
}

/**
 * Slots per finished job: id, ok (null: cancelled before it started), retryAfterMs, attempt id,
 * startedAt, durationMs, requestUrl, request headers (JSON), status, response headers (JSON or
 * null), response body, error.
 */
export const DONE_SLOTS = 12;

export function writeDone(out: unknown[], id: number, o: SendOutcome | null): void {
  if (o === null) {
    out.push(id, null, null, null, null, null, null, null, null, null, null, null);
    return;
  }
  const a = o.attempt;
  out.push(
    id,
    o.ok,
    o.retryAfterMs,
    a.id,
    a.startedAt,
    a.durationMs,
    a.requestUrl,
    JSON.stringify(a.requestHeaders),
    a.responseStatus,
    a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
    a.responseBody,
    a.error,
  );
}

/**
 * An attempt as it came back from the sender thread. Its header maps stay the JSON they crossed
 * as until something reads them: the store writes that JSON (Attempt.headersJson), and on the
 * hot path nothing else reads them, so a parse and a stringify per attempt are saved.
 */
class WireAttempt implements Attempt {
  readonly id: AttemptId;
  readonly deliveryId: Attempt['deliveryId'];
  readonly tenantId: string;
  readonly attemptNo: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly requestUrl: string;
  readonly responseStatus: number | null;
  readonly responseBody: string | null;
  readonly error: string | null;
  readonly headersJson: { readonly request: string; readonly response: string | null };
  #request: Record<string, string> | undefined;
  #response: Record<string, string> | null | undefined;

  constructor(m: readonly unknown[], i: number, c: Sendable) {
    this.id = m[i + 3] as AttemptId;
    this.deliveryId = c.delivery.id;
    this.tenantId = c.delivery.tenantId;
    this.attemptNo = c.delivery.attempts + 1;
    this.startedAt = m[i + 4] as number;
    this.durationMs = m[i + 5] as number;
    this.requestUrl = m[i + 6] as string;
    this.responseStatus = m[i + 8] as number | null;
    this.responseBody = m[i + 10] as string | null;
    this.error = m[i + 11] as string | null;
    this.headersJson = { request: m[i + 7] as string, response: m[i + 9] as string | null };
  }

  get requestHeaders(): Record<string, string> {
    return (this.#request ??= JSON.parse(this.headersJson.request) as Record<string, string>);
  }

  get responseHeaders(): Record<string, string> | null {
    if (this.#response === undefined) {
      const json = this.headersJson.response;
      this.#response = json === null ? null : (JSON.parse(json) as Record<string, string>);
    }
    return this.#response;
  }

  /** What JSON.stringify and logs see: every field, as a plain attempt has them. */
  toJSON(): Attempt {
    const { headersJson: _, ...plain } = { ...this };
    return { ...plain, requestHeaders: this.requestHeaders, responseHeaders: this.responseHeaders };
  }
}

/** The outcome at slot `i` of a message, for the delivery `c` it was sent for (null: cancelled). */
export function readDone(m: readonly unknown[], i: number, c: Sendable): SendOutcome | null {
  const ok = m[i + 1] as boolean | null;
  if (ok === null) return null;
  return { ok, retryAfterMs: m[i + 2] as number | null, attempt: new WireAttempt(m, i, c) };
}
