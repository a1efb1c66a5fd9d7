/**
 * The body of `trace/:id/execute` and `project/:id/execute-all`, as Usetrace's clients send it.
 * Everything is checked here, before anything is stored: a build that would fail to report is
 * refused up front rather than discovered when it ends.
 */
import Type from 'typebox';
import type { Static } from 'typebox';
import { HeraldError } from '../domain/errors.ts';
import { checkTargetUrl, type Cidr } from '../network/policy.ts';
import { standardKeyBytes } from '../delivery/signature.ts';
import { BROWSERS, REPORTER_WHEN, type BrowserName, type WebhookReporter } from '../domain/builds.ts';

const Scalar = Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean()]);

/**
 * The route schema: shapes only (and the OpenAPI document). Capabilities and reporters are
 * checked by the functions below, whose messages say exactly what is wrong.
 */
export const ExecuteBody = Type.Object(
  {
    requiredCapabilities: Type.Optional(
      Type.Unknown({
        description: 'Browsers to run in: [{"browserName": "chrome"}, {"browserName": "firefox"}].',
      }),
    ),
    baseUrl: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: "Where the traces' relative URLs point; default the project's.",
      }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description: 'execute-all: only the traces with any of these tags.',
      }),
    ),
    commit: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    commitLink: Type.Optional(Type.Union([Type.String({ maxLength: 2048 }), Type.Null()])),
    parameters: Type.Optional(
      Type.Record(Type.String({ maxLength: 200 }), Scalar, { description: 'Values of ${name} in steps.' }),
    ),
    reporters: Type.Optional(
      Type.Unknown({
        description:
          'Webhook reporters: [{"webhook": {url, when, secretKey?, username?, password?}}], or the same list ' +
          'nested as {"reporters": [...]}.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExecuteBody = Static<typeof ExecuteBody>;

export interface BuildRequest {
  browsers: BrowserName[];
  baseUrl: string | null;
  tags: string[];
  commit: string | null;
  commitLink: string | null;
  parameters: Record<string, string>;
  reporters: WebhookReporter[];
}

const MAX_REPORTERS = 20;

const invalid = (path: string, message: string): HeraldError =>
  new HeraldError('VALIDATION_FAILED', `${path.slice(1).replaceAll('/', '.')} ${message}`, [
    { path, message },
  ]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** `requiredCapabilities` → the browsers, in the order asked, each once. */
export function parseCapabilities(input: unknown): BrowserName[] {
  const example = 'e.g. [{"browserName": "chrome"}, {"browserName": "firefox"}]';
  if (input === undefined || input === null)
    throw invalid('/requiredCapabilities', `is required: the browsers to run in, ${example}`);
  if (!Array.isArray(input) || input.length === 0)
    throw invalid('/requiredCapabilities', `must be a non-empty list, ${example}`);
  const browsers: BrowserName[] = [];
  input.forEach((cap, i) => {
    const path = `/requiredCapabilities/${i}/browserName`;
    if (!isObject(cap) || cap.browserName === undefined)
      throw invalid(path, 'is required (chrome or firefox)');
    const name = typeof cap.browserName === 'string' ? cap.browserName.toLowerCase() : cap.browserName;
    if (!BROWSERS.includes(name as BrowserName))
      throw invalid(
        path,
        `${JSON.stringify(cap.browserName)} is not a browser Herald runs: use chrome or firefox`,
      );
    if (!browsers.includes(name as BrowserName)) browsers.push(name as BrowserName);
  });
  return browsers;
}

const REPORTER_FIELDS = new Set(['url', 'when', 'secretKey', 'username', 'password']);

/** An optional string field: absent, null and "" all mean "not given" (CI templates send ""). */
function optionalString(w: Record<string, unknown>, field: string, path: string): string | null {
  const v = w[field];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw invalid(`${path}/${field}`, 'must be a string');
  if (v.length > 1024) throw invalid(`${path}/${field}`, 'must be at most 1024 characters');
  return v;
}

function parseWebhook(w: unknown, path: string, allowlist: readonly Cidr[]): WebhookReporter {
  if (!isObject(w)) throw invalid(path, 'must be an object {url, when, secretKey?, username?, password?}');
  for (const field of Object.keys(w))
    if (!REPORTER_FIELDS.has(field))
      throw invalid(
        `${path}/${field}`,
        'is not a webhook reporter field (url, when, secretKey, username, password)',
      );
  if (typeof w.url !== 'string' || w.url === '')
    throw invalid(`${path}/url`, 'is required: where to POST the report');
  const url = checkTargetUrl(w.url, allowlist);
  if (!url.ok) throw new HeraldError(url.code, url.message, [{ path: `${path}/url`, message: url.message }]);
  if (w.when === undefined || w.when === null || w.when === '')
    throw invalid(`${path}/when`, 'is required: always, fails or changes');
  if (!REPORTER_WHEN.includes(w.when as never))
    throw invalid(`${path}/when`, `must be always, fails or changes, not ${JSON.stringify(w.when)}`);
  const secretKey = optionalString(w, 'secretKey', path);
  const username = optionalString(w, 'username', path);
  const password = optionalString(w, 'password', path);
  if ((username === null) !== (password === null))
    throw invalid(
      `${path}/${username === null ? 'username' : 'password'}`,
      'is required with the other credential: give both username and password or neither',
    );
  if (secretKey !== null) {
    try {
      standardKeyBytes(secretKey);
    } catch (err) {
      throw invalid(`${path}/secretKey`, (err as Error).message);
    }
  }
  return { url: w.url, when: w.when as WebhookReporter['when'], secretKey, username, password };
}

/**
 * `reporters` as `[{webhook: {...}}]`, or nested as `{reporters: [...]}` (what one official
 * client sends). Only webhook reporters exist here; any other kind is refused, not ignored.
 */
export function parseReporters(input: unknown, allowlist: readonly Cidr[]): WebhookReporter[] {
  if (input === undefined || input === null) return [];
  let list: unknown = input;
  let base = '/reporters';
  if (isObject(input)) {
    const keys = Object.keys(input);
    if (keys.length !== 1 || keys[0] !== 'reporters')
      throw invalid(base, 'must be a list [{"webhook": {...}}] or {"reporters": [...]}');
    list = input.reporters;
    base = '/reporters/reporters';
  }
  if (!Array.isArray(list)) throw invalid(base, 'must be a list of reporters [{"webhook": {...}}]');
  if (list.length > MAX_REPORTERS) throw invalid(base, `must have at most ${MAX_REPORTERS} reporters`);
  return list.map((item, i) => {
    const path = `${base}/${i}`;
    if (!isObject(item) || !('webhook' in item)) {
      const kind = isObject(item) ? Object.keys(item)[0] : undefined;
      throw invalid(
        path,
        kind
          ? `"${kind}" reporters are not supported: only {"webhook": {...}}`
          : 'must be {"webhook": {...}}',
      );
    }
    if (Object.keys(item).length !== 1) throw invalid(path, 'must have only the key "webhook"');
    return parseWebhook(item.webhook, `${path}/webhook`, allowlist);
  });
}

/** Checks a URL the browsers will open: absolute http(s), and not on a blocked network. */
export function checkBaseUrl(url: string, allowlist: readonly Cidr[], path = '/baseUrl'): string {
  const check = checkTargetUrl(url, allowlist);
  if (!check.ok)
    throw new HeraldError(check.code, `${path.slice(1)}: ${check.message}`, [
      { path, message: check.message },
    ]);
  return url;
}

export function parseBuildRequest(
  body: ExecuteBody | undefined | null,
  allowlist: readonly Cidr[],
): BuildRequest {
  const b = body ?? {};
  const browsers = parseCapabilities(b.requiredCapabilities);
  const reporters = parseReporters(b.reporters, allowlist);
  const baseUrl = b.baseUrl === undefined || b.baseUrl === '' ? null : checkBaseUrl(b.baseUrl, allowlist);
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(b.parameters ?? {})) parameters[k] = String(v);
  return {
    browsers,
    baseUrl,
    tags: [...new Set(b.tags ?? [])],
    commit: b.commit ?? null,
    commitLink: b.commitLink ?? null,
    parameters,
    reporters,
  };
}
