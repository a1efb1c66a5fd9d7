import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';

/**
 * A loopback OTLP/HTTP receiver: a plain node:http server that takes trace exports
 * (`POST /v1/traces`, OTLP/JSON as @opentelemetry/exporter-trace-otlp-http sends them),
 * decodes them and keeps the spans. The tracing test asserts on what it decoded; the bench
 * (`--otlp-sink`) points Herald at it to measure tracing on, without a collector.
 */
export interface SinkSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  status: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  serviceName: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        startTimeUnixNano: string | number;
        endTimeUnixNano: string | number;
        status?: { code?: number; message?: string };
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

const valueOf = (v: OtlpValue): string | number | boolean =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));
const attributesOf = (list: OtlpAttribute[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
const nanosToMs = (n: string | number) => Number(BigInt(n) / 1_000_000n);

/** Spans of one OTLP/JSON export body. */
export function decodeExport(body: OtlpExport): SinkSpan[] {
  const out: SinkSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const serviceName = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          startMs: nanosToMs(s.startTimeUnixNano),
          endMs: nanosToMs(s.endTimeUnixNano),
          status: s.status ?? {},
          attributes: attributesOf(s.attributes),
          serviceName,
        });
  }
  return out;
}

export class OtlpSink {
  readonly spans: SinkSpan[] = [];
  exports = 0;
  /** Spans decoded, kept or not. */
  received = 0;
  url = '';
  /** Whether decoded spans are kept in `spans` (a bench only counts them). */
  private keep = true;
  private waiters: Array<{ pred: (s: SinkSpan[]) => boolean; resolve: () => void }> = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));

  static async start(opts: { keep?: boolean } = {}): Promise<OtlpSink> {
    const sink = new OtlpSink();
    sink.keep = opts.keep ?? true;
    sink.server.listen(0, '127.0.0.1');
    await once(sink.server, 'listening');
    sink.url = `http://127.0.0.1:${(sink.server.address() as AddressInfo).port}`;
    return sink;
  }

  /** Resolves once the spans received so far satisfy `pred` (or rejects after `timeoutMs`). */
  until(pred: (spans: SinkSpan[]) => boolean, timeoutMs = 30_000): Promise<void> {
    if (pred(this.spans)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`OTLP sink: not seen within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    if (
      req.method !== 'POST' ||
      req.url !== '/v1/traces' ||
      !String(req.headers['content-type']).includes('json')
    ) {
      res.writeHead(415).end();
      return;
    }
    const spans = decodeExport(JSON.parse(raw.toString('utf8')) as OtlpExport);
    this.received += spans.length;
    if (this.keep) this.spans.push(...spans);
    this.exports++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(this.spans)) return true;
      w.resolve();
      return false;
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
