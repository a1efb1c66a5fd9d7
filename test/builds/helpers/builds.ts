/** Helpers of the build tests: traces of the fixture site, API shortcuts, the results schema. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import type { TestHerald } from '../../helpers/herald.ts';

export const PASSING = {
  name: 'Log in',
  tags: ['smoke'],
  steps: [
    { action: 'open', url: '/login' },
    { action: 'type', selector: '#user', text: '${username}' },
    { action: 'type', selector: '#password', text: '${password}' },
    { action: 'click', selector: '#submit' },
    { action: 'waitFor', selector: '.welcome' },
    { action: 'assertText', selector: '.welcome', text: 'Hello, ${username}' },
    { action: 'assertTitle', text: 'Dashboard' },
    { action: 'assertUrl', contains: '/welcome?user=' },
    { action: 'waitFor', selector: '#ready', timeoutMs: 5000 },
  ],
};

/** An assertion that does not hold: a `failure`. */
export const FAILING = {
  name: 'Greeting says goodbye',
  tags: ['regression'],
  steps: [
    { action: 'open', url: '/' },
    { action: 'assertText', selector: '#greeting', text: 'Goodbye' },
  ],
};

/** A step that cannot complete: an `error`. */
export const ERRORING = {
  name: 'Click a missing button',
  tags: ['regression'],
  steps: [
    { action: 'open', url: '/' },
    { action: 'click', selector: '#does-not-exist' },
  ],
};

export const PARAMETERS = { username: 'Arto', password: 'mysecret' };

export async function waitUntil<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  // Polls the API: build state lives in the database; each round awaits a real response.
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function createProject(
  h: TestHerald,
  body: Record<string, unknown>,
): Promise<{ projectID: string }> {
  const res = await h.api('POST', '/api/projects', { name: 'Fixture project', ...body });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

export async function createTrace(h: TestHerald, projectID: string, body: object): Promise<{ id: string }> {
  const res = await h.api('POST', `/api/projects/${projectID}/traces`, body);
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** POSTs and returns the raw BUILD_ID, checking the answer is 200 text/plain. */
export async function startBuild(h: TestHerald, path: string, body: object): Promise<string> {
  const res = await h.api('POST', path, body);
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  assert.match(res.text, /^bld_[0-9a-z]{26}$/);
  return res.text;
}

export async function waitFinished(h: TestHerald, buildId: string, timeoutMs = 90_000) {
  return waitUntil(
    async () => {
      const res = await h.api('GET', `/api/build/${buildId}/status`);
      assert.equal(res.status, 200, res.text);
      return res.body.status === 'FINISHED' ? res.body : null;
    },
    `build ${buildId} to finish`,
    timeoutMs,
  );
}

/** Waits until the build is announced (its reporters' deliveries are committed), then lists them. */
export async function reporterDeliveries(h: TestHerald, buildId: string, atLeast = 1) {
  return waitUntil(async () => {
    const res = await h.api('GET', `/api/build/${buildId}/deliveries`);
    assert.equal(res.status, 200, res.text);
    return res.body.data.length >= atLeast ? (res.body.data as Array<Record<string, unknown>>) : null;
  }, `the reporter deliveries of ${buildId}`);
}

let resultsValidator: ValidateFunction | undefined;

/** schemas/build-results.json, compiled with a strict ajv. */
export function validateResults(body: unknown): void {
  if (!resultsValidator) {
    const schema = JSON.parse(
      readFileSync(new URL('../../../schemas/build-results.json', import.meta.url), 'utf8'),
    );
    resultsValidator = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
  }
  if (!resultsValidator(body))
    throw new Error(
      `results do not match schemas/build-results.json: ${JSON.stringify(resultsValidator.errors)}`,
    );
}
