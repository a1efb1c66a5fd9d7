import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { OtlpSink, type SinkSpan } from '../../bench/otlp-sink.ts';
import { Receiver } from '../helpers/receiver.ts';
import { startHerald, type Backend, type TestHerald } from '../helpers/herald.ts';
import { createTestDatabase, requirePostgres } from '../helpers/pg.ts';
import { freePort, spawnHerald, stopProcess } from '../helpers/herald-process.ts';

/**
 * Issue 17, must show 7: with OTEL_EXPORTER_OTLP_ENDPOINT set, a publish that carries a
 * `traceparent` puts Herald's spans (publish, fan-out, each attempt) in the publisher's trace,
 * exported over OTLP/HTTP to a loopback receiver that decodes them, and each request to the
 * webhook receiver carries a `traceparent` of that trace naming its attempt span. The retry is
 * claimed from the database, so its span proves the trace context is stored with the event.
 */
const site = {
  object: 'site',
  name: 'traced',
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
};

const parse = (tp: string) => {
  const [, traceId, spanId, flags] = tp.split('-');
  return { traceId: traceId!, spanId: spanId!, flags: flags! };
};

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  describe(`OpenTelemetry tracing on ${backend}`, () => {
    let h: TestHerald;
    let rx: Receiver;
    let sink: OtlpSink;

    before(async () => {
      if (backend === 'postgres') await requirePostgres();
      sink = await OtlpSink.start();
      rx = await Receiver.start();
      h = await startHerald(backend, {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_SERVICE_NAME: 'herald-test',
      });
    });
    after(async () => {
      await h?.stop();
      await rx?.close();
      await sink?.close();
    });

    test("a publish's spans join the publisher's trace; each receiver request carries it", async () => {
      const hook = await h.api('POST', '/api/hooks', {
        name: 'traced',
        url: `${rx.url}/traced`,
        objects: ['site'],
      });
      assert.equal(hook.status, 201, hook.text);
      // The first attempt fails, so the second is claimed from the database, later.
      rx.respondOn('/traced', { status: 500 });

      const traceId = randomBytes(16).toString('hex');
      const publisherSpan = randomBytes(8).toString('hex');
      const res = await h.api(
        'POST',
        '/api/events',
        { event: 'site.created', eventID: `traced-${backend}`, data: site },
        { headers: { traceparent: `00-${traceId}-${publisherSpan}-01` } },
      );
      assert.equal(res.status, 202, res.text);

      const requests = await rx.waitFor(2, (r) => r.path === '/traced');
      const sent = requests.map((r) => parse(String(r.headers['traceparent'])));
      for (const tp of sent) {
        assert.equal(tp.traceId, traceId, 'the receiver sees the publisher trace');
        assert.equal(tp.flags, '01');
      }
      assert.notEqual(sent[0]!.spanId, sent[1]!.spanId, 'each attempt has its own span');

      const inTrace = (spans: SinkSpan[]) => spans.filter((s) => s.traceId === traceId);
      await sink.until((spans) => inTrace(spans).filter((s) => s.name === 'herald.attempt').length >= 2);
      const spans = inTrace(sink.spans);
      const publish = spans.find((s) => s.name === 'herald.publish');
      const fanout = spans.find((s) => s.name === 'herald.fanout');
      assert.ok(publish && fanout, `spans: ${spans.map((s) => s.name).join(', ')}`);
      assert.equal(publish.parentSpanId, publisherSpan, "publish is a child of the publisher's span");
      assert.equal(publish.serviceName, 'herald-test');
      assert.equal(fanout.parentSpanId, publish.spanId);
      assert.equal(fanout.attributes['herald.deliveries'], 1);

      const attempts = spans.filter((s) => s.name === 'herald.attempt').sort((a, b) => a.startMs - b.startMs);
      assert.deepEqual(
        attempts.map((a) => a.spanId),
        sent.map((s) => s.spanId),
        "the receiver's parent is the attempt span",
      );
      for (const a of attempts) {
        assert.equal(a.parentSpanId, publish.spanId);
        assert.equal(a.attributes['herald.hook.id'], hook.body.id);
        assert.equal(typeof a.attributes['herald.attempt.duration_ms'], 'number');
        assert.ok(a.endMs >= a.startMs);
      }
      assert.equal(attempts[0]!.attributes['http.response.status_code'], 500);
      assert.equal(attempts[0]!.attributes['herald.attempt.outcome'], 'retry');
      assert.equal(attempts[0]!.status.code, 2, 'a failed attempt is an error span');
      assert.equal(attempts[1]!.attributes['http.response.status_code'], 204);
      assert.equal(attempts[1]!.attributes['herald.attempt.outcome'], 'delivered');
    });

    test('a publish without traceparent starts a trace of its own, and receivers get it', async () => {
      await h.api('POST', '/api/hooks', {
        name: 'root',
        url: `${rx.url}/root`,
        objects: ['site'],
        events: ['site.deleted'],
      });
      const res = await h.api('POST', '/api/events', { event: 'site.deleted', data: site });
      assert.equal(res.status, 202, res.text);
      const [req] = await rx.waitFor(1, (r) => r.path === '/root');
      const tp = parse(String(req!.headers['traceparent']));
      await sink.until((spans) => spans.some((s) => s.name === 'herald.attempt' && s.spanId === tp.spanId));
      const publish = sink.spans.find((s) => s.name === 'herald.publish' && s.traceId === tp.traceId);
      assert.ok(publish, 'the attempt is in the trace of its publish');
      assert.equal(publish.parentSpanId, '', 'which is a root');
    });
  });
}

describe('tracing across processes on postgres', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('an attempt made by a worker process joins the trace the API process stored with the event', async () => {
    await requirePostgres();
    const sink = await OtlpSink.start();
    const rx = await Receiver.start();
    cleanups.push(
      () => sink.close(),
      () => rx.close(),
    );
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const port = await freePort();
    const key = `hk_tr_${randomBytes(12).toString('hex')}`;
    const env = {
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      HERALD_ADMIN_KEY: key,
      HERALD_TARGET_ALLOWLIST: '127.0.0.0/8',
      HERALD_LOG_LEVEL: 'error',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    };
    const api = spawnHerald({ ...env, OTEL_SERVICE_NAME: 'herald-api' }, 'api');
    cleanups.push(() => stopProcess(api.child));
    await api.ready;
    const worker = spawnHerald({ ...env, OTEL_SERVICE_NAME: 'herald-worker' }, 'worker');
    cleanups.push(() => stopProcess(worker.child));

    const call = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    assert.equal(
      (await call('/api/hooks', { name: 'xp', url: `${rx.url}/xp`, objects: ['site'] })).status,
      201,
    );
    const traceId = randomBytes(16).toString('hex');
    const publisherSpan = randomBytes(8).toString('hex');
    const res = await call(
      '/api/events',
      { event: 'site.created', data: site },
      { traceparent: `00-${traceId}-${publisherSpan}-01` },
    );
    assert.equal(res.status, 202);

    const [req] = await rx.waitFor(1, (r) => r.path === '/xp');
    const tp = parse(String(req!.headers['traceparent']));
    assert.equal(tp.traceId, traceId);
    await sink.until((spans) => spans.some((s) => s.name === 'herald.attempt' && s.spanId === tp.spanId));
    const publish = sink.spans.find((s) => s.name === 'herald.publish' && s.traceId === traceId);
    const attempt = sink.spans.find((s) => s.spanId === tp.spanId)!;
    assert.equal(publish?.serviceName, 'herald-api');
    assert.equal(publish.parentSpanId, publisherSpan);
    assert.equal(attempt.serviceName, 'herald-worker');
    assert.equal(attempt.parentSpanId, publish.spanId, 'the worker read the context stored with the event');
  });
});

describe('tracing off', () => {
  let h: TestHerald;
  let rx: Receiver;

  before(async () => {
    rx = await Receiver.start();
    h = await startHerald('sqlite');
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
  });

  test('no endpoint: receivers get no traceparent, even when the publisher sent one', async () => {
    await h.api('POST', '/api/hooks', { name: 'plain', url: `${rx.url}/plain`, objects: ['site'] });
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    await h.api('POST', '/api/events', { event: 'site.created', data: site }, { headers: { traceparent } });
    const [req] = await rx.waitFor(1, (r) => r.path === '/plain');
    assert.equal(req!.headers['traceparent'], undefined);
  });
});
