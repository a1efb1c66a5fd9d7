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

/** The outcome at slot `i` of a message, for the delivery `c` it was sent for (null: cancelled). */
export function readDone(m: readonly unknown[], i: number, c: Sendable): SendOutcome | null {
  const ok = m[i + 1] as boolean | null;
  if (ok === null) return null;
  const responseHeaders = m[i + 9] as string | null;
  const attempt: Attempt = {
    id: m[i + 3] as AttemptId,
    deliveryId: c.delivery.id,
    tenantId: c.delivery.tenantId,
    attemptNo: c.delivery.attempts + 1,
    startedAt: m[i + 4] as number,
    durationMs: m[i + 5] as number,
    requestUrl: m[i + 6] as string,
    requestHeaders: JSON.parse(m[i + 7] as string) as Record<string, string>,
    responseStatus: m[i + 8] as number | null,
    responseHeaders:
      responseHeaders === null ? null : (JSON.parse(responseHeaders) as Record<string, string>),
    responseBody: m[i + 10] as string | null,
    error: m[i + 11] as string | null,
  };
  return { ok, retryAfterMs: m[i + 2] as number | null, attempt };
}
