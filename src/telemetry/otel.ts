import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { parseTraceParent } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  RandomIdGenerator,
  TracerProvider,
  type IdGenerator,
} from '@opentelemetry/sdk-trace';
import type { ClaimedDelivery } from '../domain/types.ts';
import { VERSION } from '../version.ts';
import type {
  AttemptReport,
  AttemptTrace,
  SpanAttributes,
  SpanScope,
  Tracing,
  TracingSettings,
} from './tracing.ts';

/** Loaded only when tracing is on (see startTracing): nothing else imports the SDK. */

/** How often buffered spans are exported. */
const EXPORT_DELAY_MS = 1000;

/**
 * Random ids, except for the one span whose ids were fixed in advance: an attempt's span id
 * is in its request's `traceparent` before the attempt is made, and the span is created only
 * once its outcome is known (on the main thread, after the sender thread made the request).
 * The SDK asks for ids synchronously inside startSpan, so a slot set around that call is safe.
 */
class PresetIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  preset: { traceId: string; spanId: string } | null = null;
  generateTraceId(): string {
    return this.preset?.traceId ?? this.#random.generateTraceId();
  }
  generateSpanId(): string {
    return this.preset?.spanId ?? this.#random.generateSpanId();
  }
}

const traceparentOf = (traceId: string, spanId: string, flags: number) =>
  `00-${traceId}-${spanId}-0${(flags & TraceFlags.SAMPLED).toString(16)}`;

function clean(attributes: SpanAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** A remote parent from a stored or received `traceparent`; the root context when invalid. */
function parentContext(traceparent: string | null | undefined): Context {
  const sc = traceparent ? parseTraceParent(traceparent) : null;
  return sc ? trace.setSpanContext(ROOT_CONTEXT, { ...sc, isRemote: true }) : ROOT_CONTEXT;
}

export class OtelTracing implements Tracing {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #ids = new PresetIdGenerator();

  constructor(s: TracingSettings) {
    const exporter = new OTLPTraceExporter({ url: `${s.endpoint!.replace(/\/+$/, '')}/v1/traces` });
    // Not registered globally: each Herald (several run in one test process) has its own
    // provider, and contexts are passed explicitly, so no context manager is needed either.
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': s.serviceName, 'service.version': VERSION }),
      idGenerator: this.#ids,
      spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: EXPORT_DELAY_MS })],
    });
    this.#tracer = this.#provider.getTracer('herald', VERSION);
  }

  async span<T>(
    name: string,
    opts: { parent?: string | null | undefined; attributes?: SpanAttributes; server?: boolean },
    fn: (span: SpanScope) => Promise<T> | T,
  ): Promise<T> {
    const span = this.#tracer.startSpan(
      name,
      { kind: opts.server ? SpanKind.SERVER : SpanKind.INTERNAL, attributes: clean(opts.attributes) },
      parentContext(opts.parent),
    );
    const sc = span.spanContext();
    const scope: SpanScope = {
      traceparent: traceparentOf(sc.traceId, sc.spanId, sc.traceFlags),
      setAttributes: (a) => span.setAttributes(clean(a)),
    };
    try {
      return await fn(scope);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  }

  attemptStarted(c: ClaimedDelivery): AttemptTrace {
    const parent = c.trace ?? null;
    const sc = parent ? parseTraceParent(parent) : null;
    const traceId = sc?.traceId ?? this.#ids.generateTraceId();
    const spanId = this.#ids.generateSpanId();
    // A root attempt is sampled (the default sampler keeps every root); a child follows its parent.
    const flags = sc ? sc.traceFlags : TraceFlags.SAMPLED;
    return {
      traceparent: traceparentOf(traceId, spanId, flags),
      traceId,
      spanId,
      parent: sc ? parent : null,
    };
  }

  attemptEnded(t: AttemptTrace, c: ClaimedDelivery, r: AttemptReport): void {
    this.#ids.preset = { traceId: t.traceId, spanId: t.spanId };
    let span;
    try {
      span = this.#tracer.startSpan(
        'herald.attempt',
        {
          kind: SpanKind.CLIENT,
          startTime: r.startedAt,
          attributes: clean({
            'herald.tenant.id': c.delivery.tenantId,
            'herald.delivery.id': c.delivery.id,
            'herald.event.type': c.eventType,
            'herald.hook.id': c.delivery.hookId ?? undefined,
            'herald.attempt.number': r.attemptNo,
            'herald.attempt.outcome': r.outcome,
            'herald.attempt.duration_ms': r.durationMs,
            'http.request.method': 'POST',
            'http.response.status_code': r.status ?? undefined,
          }),
        },
        parentContext(t.parent),
      );
    } finally {
      this.#ids.preset = null;
    }
    if (r.outcome !== 'delivered')
      span.setStatus({ code: SpanStatusCode.ERROR, message: r.error ?? r.outcome });
    span.end(r.startedAt + r.durationMs);
  }

  shutdown(): Promise<void> {
    return this.#provider.shutdown();
  }
}
