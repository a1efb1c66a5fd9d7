import type { Attempt, ClaimedDelivery } from '../domain/types.ts';
import type { Logger } from '../log.ts';

/**
 * OpenTelemetry tracing, as the engines see it: a narrow port, so nothing outside
 * src/telemetry/otel.ts imports the SDK. Tracing is off (`null`) unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set; then the SDK is loaded, once, at start. Every caller
 * holds a `Tracing | null`, so with tracing off a publish or an attempt costs one null check.
 *
 * Contexts travel as W3C `traceparent` strings: that is what a publisher sends, what is
 * stored with an event (attempts happen later, perhaps in another process) and what a
 * receiver gets.
 */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanScope {
  /** This span's context, to store or pass on. */
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
}

/** An attempt that is about to be sent: its span id is fixed first so the request can carry it. */
export interface AttemptTrace {
  /** The `traceparent` header for the request: the receiver's parent is the attempt span. */
  readonly traceparent: string;
  readonly spanId: string;
  readonly traceId: string;
  /** The stored trace context the attempt span is a child of, when its event has one. */
  readonly parent: string | null;
}

export interface AttemptReport {
  /** delivered, retry or failed. */
  outcome: string;
  startedAt: number;
  durationMs: number;
  status: number | null;
  error: string | null;
  attemptNo: number;
}

/** The report of a finished attempt (what its span records). */
export function reportOf(outcome: string, a: Attempt): AttemptReport {
  const { startedAt, durationMs, responseStatus: status, error, attemptNo } = a;
  return { outcome, startedAt, durationMs, status, error, attemptNo };
}

export interface Tracing {
  /**
   * Runs `fn` in a span, a child of `parent` (a `traceparent`) when given, else the root of
   * a new trace. An exception marks the span as an error and is rethrown.
   */
  span<T>(
    name: string,
    opts: { parent?: string | null | undefined; attributes?: SpanAttributes; server?: boolean },
    fn: (span: SpanScope) => Promise<T> | T,
  ): Promise<T>;
  /** Fixes the span id of `c`'s next attempt. Cheap: ids and a string, no span yet. */
  attemptStarted(c: ClaimedDelivery): AttemptTrace;
  /** Records the attempt span with its real start and duration, once the outcome is known. */
  attemptEnded(t: AttemptTrace, c: ClaimedDelivery, report: AttemptReport): void;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

export interface TracingSettings {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string | null;
  serviceName: string;
}

/** Tracing per the settings, or null when no endpoint is set (the SDK is then never loaded). */
export async function startTracing(s: TracingSettings, log: Logger): Promise<Tracing | null> {
  if (s.endpoint === null) return null;
  const { OtelTracing } = await import('./otel.ts');
  log.info({ endpoint: s.endpoint }, 'OpenTelemetry tracing on (OTLP/HTTP)');
  return new OtelTracing(s);
}
