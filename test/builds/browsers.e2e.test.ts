/**
 * End to end in real browsers: Debian's Chromium and Firefox ESR run passing, failing and
 * erroring traces against the fixture site on loopback; the results, the screenshots, the
 * signed and authenticated reporter deliveries (one retried after a receiver failure) and
 * build.finished at a subscription hook are checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verify } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { assertValidWebhook } from '../helpers/webhook-schema.ts';
import {
  createProject,
  createTrace,
  ERRORING,
  FAILING,
  PARAMETERS,
  PASSING,
  reporterDeliveries,
  startBuild,
  validateResults,
  waitFinished,
} from './helpers/builds.ts';
import { FixtureSite } from './helpers/fixture-site.ts';

const PUBLIC_URL = 'https://herald.example.test';
const SECRET = 'my-usetrace-hmac-secret';

describe('builds in Chromium and Firefox', () => {
  let site: FixtureSite;
  let rx: Receiver;
  let h: TestHerald;
  let projectID: string;
  let buildId: string;
  let results: {
    tests: number;
    testCase: Array<{ name: string; time: number; error: { type: string; message: string } | null }>;
  } & Record<string, unknown>;

  before(async () => {
    site = await FixtureSite.start();
    rx = await Receiver.start();
    h = await startHerald('sqlite', {
      HERALD_PUBLIC_URL: PUBLIC_URL,
      HERALD_BUILD_STEP_TIMEOUT_MS: '1500',
      HERALD_BUILD_CONCURRENCY: '2',
    });
    const hook = await h.api('POST', '/api/hooks', {
      name: 'builds',
      url: `${rx.url}/hooks`,
      objects: ['build'],
    });
    assert.equal(hook.status, 201, hook.text);
    projectID = (await createProject(h, { baseUrl: site.url })).projectID;
    for (const trace of [PASSING, FAILING, ERRORING]) await createTrace(h, projectID, trace);
    // The first attempt at /flaky fails; the retry succeeds.
    rx.respondOn('/flaky', { status: 503, body: 'try later' });
    buildId = await startBuild(h, `/api/project/${projectID}/execute-all`, {
      requiredCapabilities: [{ browserName: 'chrome' }, { browserName: 'firefox' }],
      parameters: PARAMETERS,
      commit: 'abc123',
      commitLink: 'https://git.example/abc123',
      reporters: [
        {
          webhook: {
            url: `${rx.url}/signed`,
            when: 'always',
            secretKey: SECRET,
            username: 'ci',
            password: 'hunter2',
          },
        },
        { webhook: { url: `${rx.url}/flaky`, when: 'fails' } },
      ],
    });
    await waitFinished(h, buildId);
    results = (await h.api('GET', `/api/build/${buildId}/results/json`)).body;
  });
  after(async () => {
    await h?.stop();
    await rx?.close();
    await site?.close();
  });

  test('status is FINISHED with every test case counted', async () => {
    const status = await h.api('GET', `/api/build/${buildId}/status`);
    assert.deepEqual(status.body, {
      id: buildId,
      status: 'FINISHED',
      summary: { request: 6, finish: 6, pass: 2, fail: 4 },
    });
  });

  test('results: passing, failing and erroring traces in both browsers, counted per trace', () => {
    validateResults(results);
    const { testCase, ...counts } = results;
    assert.deepEqual(counts, {
      name: `Environment: ${site.url}`,
      tests: 6,
      traces: 3,
      expectedTracesToPass: 3,
      tracesPassed: 1,
      errors: 1,
      failures: 2,
      skip: 0,
      bugs: 0,
      bugsPassing: 0,
      buildStable: false,
    });
    assert.deepEqual(
      testCase.map((t) => [t.name, t.error?.type ?? null]),
      [
        ['chrome: Log in', null],
        ['chrome: Greeting says goodbye', 'failure'],
        ['chrome: Click a missing button', 'error'],
        ['firefox: Log in', null],
        ['firefox: Greeting says goodbye', 'failure'],
        ['firefox: Click a missing button', 'error'],
      ],
    );
    for (const t of testCase) {
      assert.ok(t.time > 0 && t.time < 60, `${t.name} took ${t.time} s`);
      assert.deepEqual(Object.keys(t), [
        'className',
        'name',
        'time',
        'error',
        'browserName',
        'traceName',
        'taggedBug',
        'taggedFlaky',
      ]);
    }
    const failure = testCase[4]!.error!.message;
    assert.match(
      failure,
      /^Step 2 \(assertText "#greeting"\): expected "#greeting" to contain "Goodbye", but its text is "Welcome to the fixture"\n\nDetails: /,
    );
    assert.match(
      testCase[2]!.error!.message,
      /^Step 2 \(click "#does-not-exist"\): no visible element matches "#does-not-exist" within 1500 ms\n\n/,
    );
    for (const t of testCase.filter((x) => x.error))
      assert.match(
        t.error!.message,
        new RegExp(
          `\\n\\nDetails: ${PUBLIC_URL}/builds/${buildId}\\nScreenshot: ${PUBLIC_URL}/screenshots/[A-Za-z0-9_-]{43}\\.png$`,
        ),
      );
  });

  test('each failure has a PNG screenshot, served by Herald at its unguessable URL', async () => {
    for (const t of results.testCase.filter((x) => x.error)) {
      const url = new URL(/Screenshot: (\S+)$/.exec(t.error!.message)![1]!);
      const res = await fetch(`${h.url}${url.pathname}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      const png = Buffer.from(await res.arrayBuffer());
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 1000);
    }
  });

  test('results/xunit is the same result as JUnit XML', async () => {
    const res = await h.api('GET', `/api/build/${buildId}/results/xunit`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
    assert.match(
      res.text,
      /<testsuite name="Environment: http:\/\/127\.0\.0\.1:\d+" id="bld_\w+" tests="6" failures="2" errors="2" skipped="0"/,
    );
    assert.equal((res.text.match(/<testcase /g) ?? []).length, 6);
    assert.equal((res.text.match(/<failure /g) ?? []).length, 2);
    assert.equal((res.text.match(/<error /g) ?? []).length, 2);
  });

  test('the reporter gets the exact report, signed (Signature and Standard Webhooks) and with Basic auth', async () => {
    const [got] = await rx.waitFor(1, (r) => r.path === '/signed');
    assert.deepEqual(JSON.parse(got!.body), results);
    const signature = got!.headers['signature'];
    assert.equal(typeof signature, 'string');
    assert.match(signature as string, /^sha256=[0-9a-f]{64}$/);
    assert.equal(await verify(SECRET, got!.body, signature as string), true);
    assert.equal(await verify('another secret', got!.body, signature as string), false);
    assert.equal(got!.headers['authorization'], `Basic ${Buffer.from('ci:hunter2').toString('base64')}`);
    assert.equal(got!.headers['content-type'], 'application/json');
    // The Standard Webhooks headers are keyed by the raw bytes of the same secret.
    const wh = new Webhook(Buffer.from(SECRET, 'utf8'), { format: 'raw' });
    assert.deepEqual(wh.verify(got!.body, got!.headers as Record<string, string>), results);
  });

  test('a reporter whose receiver fails is retried, and its deliveries are listed under the build', async () => {
    const attempts = await rx.waitFor(2, (r) => r.path === '/flaky');
    assert.equal(attempts[0]!.headers['webhook-id'], attempts[1]!.headers['webhook-id']);
    assert.equal(attempts[1]!.body, attempts[0]!.body);
    assert.equal(attempts[0]!.headers['signature'], undefined);
    assert.equal(attempts[0]!.headers['authorization'], undefined);
    const deliveries = await reporterDeliveries(h, buildId, 2);
    const flaky = deliveries.find((d) => d.url === `${rx.url}/flaky`)!;
    const signed = deliveries.find((d) => d.url === `${rx.url}/signed`)!;
    assert.equal(flaky.hookId, null);
    const detail = async () => (await h.api('GET', `/api/deliveries/${flaky.id}`)).body;
    // The delivery is recorded right after the receiver answers: wait for the second attempt's record.
    let d = await detail();
    for (let i = 0; i < 100 && d.status !== 'delivered'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      d = await detail();
    }
    assert.equal(d.status, 'delivered');
    assert.deepEqual(
      d.attemptLog.map((a: { response: { status: number } }) => a.response.status),
      [503, 204],
    );
    const signedLog = (await h.api('GET', `/api/deliveries/${signed.id}`)).body.attemptLog[0];
    assert.equal(signedLog.request.headers.authorization, 'Basic [redacted]');
  });

  test('build.finished reaches the subscription hook with the report, buildId, project and commit', async () => {
    const [got] = await rx.waitFor(
      1,
      (r) => r.path === '/hooks' && JSON.parse(r.body).event === 'build.finished',
    );
    assertValidWebhook(got!.body);
    const { data } = JSON.parse(got!.body);
    const { buildId: id, projectID: p, commit, commitLink, ...report } = data;
    assert.deepEqual(
      [id, p, commit, commitLink],
      [buildId, projectID, 'abc123', 'https://git.example/abc123'],
    );
    assert.deepEqual(report, results);
  });
});
