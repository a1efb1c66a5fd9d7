/**
 * What the run-engine fault tests share (issue 15): a Herald process's API as an operator uses
 * it, a Tenon test run and a build whose page is held (so a kill lands mid-run), and a kill
 * that also ends the browsers the killed process leaves behind.
 */
import assert from 'node:assert/strict';

export interface Api {
  base: string;
  // Response bodies are JSON the tests inspect freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; text: string }>;
}

export function apiOf(base: string, headers: Record<string, string>): Api {
  return {
    base,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Plain text (a BUILD_ID).
      }
      return { status: res.status, body: parsed, text };
    },
  };
}

/** Polls the API until `fn` answers something truthy; each round awaits a real response. */
export async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  what: string,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An async Tenon test of `url`; answers its responseID. */
export async function startTestRun(api: Api, url: string): Promise<string> {
  const res = await api.call('POST', '/api/', { url, async: 1 });
  assert.equal(res.status, 200, res.text);
  return (res.body as { responseID: string }).responseID;
}

export async function testRunStatus(
  api: Api,
  responseID: string,
): Promise<{ status: string; attempts: number }> {
  const res = await api.call('GET', `/api/test-runs/${responseID}`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** A project on `siteUrl` with one trace that opens `path`, built in Chromium, reporting to `reporterUrl`. */
export async function startBuild(
  api: Api,
  siteUrl: string,
  path: string,
  reporterUrl: string,
): Promise<string> {
  const project = await api.call('POST', '/api/projects', { name: 'Faults', baseUrl: siteUrl });
  assert.equal(project.status, 201, project.text);
  const { projectID } = project.body as { projectID: string };
  const trace = await api.call('POST', `/api/projects/${projectID}/traces`, {
    name: 'Held page',
    steps: [
      { action: 'open', url: path },
      { action: 'assertText', selector: '#held', text: 'Released' },
    ],
  });
  assert.equal(trace.status, 201, trace.text);
  const build = await api.call('POST', `/api/trace/${(trace.body as { id: string }).id}/execute`, {
    requiredCapabilities: [{ browserName: 'chrome' }],
    reporters: [{ webhook: { url: reporterUrl, when: 'always' } }],
  });
  assert.equal(build.status, 200, build.text);
  return build.text;
}

export async function buildStatus(api: Api, buildId: string): Promise<string> {
  const res = await api.call('GET', `/api/build/${buildId}/status`);
  assert.equal(res.status, 200, res.text);
  return (res.body as { status: string }).status;
}

/** The tenant's stored events of `type` (announcing twice stores one: eventIDs are fixed). */
export async function eventsOf(api: Api, type: string): Promise<number> {
  const res = await api.call('GET', '/api/events?limit=100');
  assert.equal(res.status, 200, res.text);
  return (res.body as { data: Array<{ event: string }> }).data.filter((e) => e.event === type).length;
}

/**
 * Resolves once the held page is being loaded; work that ends before that (a browser that
 * cannot start) fails the test at once with its own reason, instead of hanging.
 */
export async function heldOrEnded(held: Promise<void>, ended: () => Promise<string | null>): Promise<void> {
  let loading = false;
  void held.then(() => (loading = true));
  while (!loading) {
    const reason = await ended();
    if (!loading && reason !== null) assert.fail(`the work ended before its page loaded: ${reason}`);
    await Promise.race([held, new Promise((r) => setTimeout(r, 100))]);
  }
}
