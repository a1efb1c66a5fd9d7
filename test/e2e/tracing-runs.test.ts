import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OtlpSink } from '../../bench/otlp-sink.ts';
import { serveCorpus, type CorpusServer } from '../../bench/tenon/serve.ts';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { createProject, createTrace, FAILING, startBuild, waitFinished } from '../builds/helpers/builds.ts';

/**
 * Issue 17, must show 7 (test runs and builds): with tracing on, a Tenon test run is a
 * `herald.test_run` span and each run of a build a `herald.build` span, from start to finish
 * with the outcome, exported to a loopback OTLP/HTTP sink.
 */
let h: TestHerald;
let pages: CorpusServer;
let sink: OtlpSink;

before(async () => {
  pages = await serveCorpus();
  sink = await OtlpSink.start();
  h = await startHerald('sqlite', {
    HERALD_TENON_SYNC_WAIT_MS: '60000',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
  });
});
after(async () => {
  await h?.stop();
  await sink?.close();
  await pages?.close();
});

test('a test run is a span from start to finish, with its outcome', async () => {
  const res = await fetch(`${h.url}/api/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.adminKey}` },
    body: JSON.stringify({ url: `${pages.base}/structure.html` }),
  });
  const body = (await res.json()) as { status: number; request: { responseID: string } };
  assert.equal(res.status, 200, JSON.stringify(body));
  const id = body.request.responseID;
  await sink.until((spans) =>
    spans.some((s) => s.name === 'herald.test_run' && s.attributes['herald.test_run.id'] === id),
  );
  const span = sink.spans.find((s) => s.attributes['herald.test_run.id'] === id)!;
  assert.equal(span.attributes['herald.test_run.status'], 'done');
  assert.ok(span.endMs > span.startMs, 'it lasts as long as the run');
  assert.equal(span.status.code ?? 0, 0);
});

test('each run of a build is a span with its outcome', async () => {
  const project = await createProject(h, { baseUrl: 'http://127.0.0.1:9/' });
  const trace = await createTrace(h, project.projectID, FAILING);
  // Firefox is not installed here: that run fails at once, which is outcome enough.
  const buildId = await startBuild(h, `/api/trace/${trace.id}/execute`, {
    requiredCapabilities: [{ browserName: 'firefox' }],
  });
  await waitFinished(h, buildId, 60_000);
  await sink.until((spans) =>
    spans.some((s) => s.name === 'herald.build' && s.attributes['herald.build.id'] === buildId),
  );
  const span = sink.spans.find(
    (s) => s.name === 'herald.build' && s.attributes['herald.build.id'] === buildId,
  )!;
  assert.equal(span.attributes['herald.build.status'], 'failed');
});
