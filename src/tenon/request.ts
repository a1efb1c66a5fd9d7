/**
 * Parses a Tenon test request — form fields (every value a string) or JSON (numbers allowed
 * where Tenon takes numbers) — into the normalised request whose mirror the response echoes.
 *
 * Tenon's rule, "providing any value outside of the accepted list of values will result in
 * failure", applies to values: a known field with a bad value is `invalid_param`. Unknown
 * fields are ignored, because clients send their own settings along with the request.
 */
import { HEADER_NAME_RE } from '../domain/hook-options.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import { TenonError } from './errors.ts';
import type { TenonCallback, TenonLevel, TenonRequest, TenonRequestMirror } from './types.ts';

/** Tenon's own default UA (the reference response's), so results match what clients expect. */
export const DEFAULT_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.114 Safari/537.36';

export const LIMITS = {
  /** `src` is a whole page: 2 MB is far beyond real pages and bounds memory per run. */
  srcBytes: 2 * 1024 * 1024,
  waitForMs: 30_000,
  viewport: { min: 100, max: 10_000 },
  idChars: 255,
  uaChars: 1024,
  urlChars: 4096,
} as const;

/** Per-project defaults (a project's `apiDefault*` settings) that fill unset options. */
export interface RequestDefaults {
  level: TenonLevel;
  certainty: number;
  priority: number;
  store: number;
  uaString: string;
  viewPortHeight: number;
  viewPortWidth: number;
  projectID: string;
}

export const TENON_DEFAULTS: RequestDefaults = {
  level: 'AAA',
  certainty: 0,
  priority: 0,
  store: 0,
  uaString: DEFAULT_UA,
  viewPortHeight: 600,
  viewPortWidth: 800,
  projectID: 'DEFAULT_PROJECT',
};

export interface ParseOptions {
  defaults?: Partial<RequestDefaults>;
  userID?: string;
  /** Injected for tests; a random 32-hex id (Tenon's form) otherwise. */
  responseID?: string;
  docID?: string;
}

type Fields = Record<string, unknown>;

function invalid(name: string, why: string): never {
  throw new TenonError('invalid_param', `${name}: ${why}`);
}

/** A scalar as its string form, or undefined when absent or empty ("" is how forms say unset). */
function scalar(fields: Fields, name: string): string | undefined {
  const v = fields[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return invalid(name, 'must be a number or string, not a boolean');
  if (typeof v !== 'string') return invalid(name, 'must be a single value');
  return v === '' ? undefined : v;
}

function integer(fields: Fields, name: string, min: number, max: number): number | undefined {
  const s = scalar(fields, name);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s.trim())) invalid(name, `must be a whole number from ${min} to ${max}`);
  const n = Number(s.trim());
  if (n < min || n > max) invalid(name, `must be a whole number from ${min} to ${max}`);
  return n;
}

function oneOf<T extends string>(fields: Fields, name: string, allowed: readonly T[]): T | undefined {
  const s = scalar(fields, name);
  if (s === undefined) return undefined;
  const hit = allowed.find((a) => a === s.trim().toUpperCase() || a === s.trim());
  if (hit === undefined) invalid(name, `must be one of ${allowed.join(', ')}`);
  return hit;
}

/** C0 controls and DEL: never legitimate in an id, a UA string or a header value. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function text(fields: Fields, name: string, maxChars: number): string | undefined {
  const s = scalar(fields, name);
  if (s === undefined) return undefined;
  if (s.length > maxChars) invalid(name, `longer than ${maxChars} characters`);
  // Control characters in an id or UA string are never legitimate and would reach headers.
  if (hasControl(s)) invalid(name, 'contains control characters');
  return s;
}

function httpUrl(raw: string, name: string): string {
  if (raw.length > LIMITS.urlChars) invalid(name, `longer than ${LIMITS.urlChars} characters`);
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return invalid(name, 'is not an absolute URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') invalid(name, 'must be an http or https URL');
  if (u.username || u.password) invalid(name, 'must not carry credentials');
  return u.href;
}

/** Tenon API v2's callback methods. */
const CALLBACK_METHODS: readonly TenonCallback['method'][] = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Form bodies send the callback as JSON text; JSON bodies as an object. */
function parseCallback(fields: Fields): TenonCallback | undefined {
  let v = fields['callback'];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s.startsWith('{')) {
      try {
        v = JSON.parse(s) as unknown;
      } catch {
        return invalid('callback', 'is not valid JSON');
      }
    } else {
      v = { url: s };
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return invalid('callback', 'must be an object');
  const cb = v as Fields;
  if (typeof cb['url'] !== 'string' || cb['url'] === '') return invalid('callback.url', 'is required');
  const url = httpUrl(cb['url'], 'callback.url');
  const method = cb['method'] === undefined ? 'POST' : String(cb['method']).toUpperCase();
  if (!CALLBACK_METHODS.includes(method as TenonCallback['method']))
    invalid('callback.method', `must be one of ${CALLBACK_METHODS.join(', ')}`);
  const headers: Record<string, string> = {};
  if (cb['headers'] !== undefined) {
    const h = cb['headers'];
    if (typeof h !== 'object' || h === null || Array.isArray(h))
      invalid('callback.headers', 'must be an object');
    for (const [k, val] of Object.entries(h as Fields)) {
      if (!HEADER_NAME_RE.test(k)) invalid('callback.headers', `bad header name ${k}`);
      if (typeof val !== 'string' || hasControl(val)) invalid('callback.headers', `bad value for ${k}`);
      headers[k] = val;
    }
  }
  return { url, method: method as TenonCallback['method'], headers };
}

/** Tenon's docID form: an uppercase GUID. */
function newDocID(): string {
  return randomUUID().toUpperCase();
}

/**
 * Validates and normalises. Throws TenonError (400 `required_param_missing` or
 * `invalid_param`) for any bad input; nothing else.
 */
export function parseTenonRequest(fields: Fields, opts: ParseOptions = {}): TenonRequest {
  const d: RequestDefaults = { ...TENON_DEFAULTS, ...opts.defaults };
  const key = scalar(fields, 'key');
  const rawUrl = text(fields, 'url', LIMITS.urlChars);
  const src = scalar(fields, 'src');
  if (rawUrl === undefined && src === undefined) {
    throw new TenonError('required_param_missing', 'url or src is required');
  }
  if (rawUrl !== undefined && src !== undefined) invalid('url', 'send either url or src, not both');
  if (src !== undefined && Buffer.byteLength(src) > LIMITS.srcBytes) {
    invalid('src', `larger than ${LIMITS.srcBytes} bytes`);
  }
  const url = rawUrl === undefined ? undefined : httpUrl(rawUrl, 'url');
  const { min, max } = LIMITS.viewport;
  const callback = parseCallback(fields);
  const mirror: TenonRequestMirror = {
    ...(url !== undefined ? { url } : {}),
    certainty: integer(fields, 'certainty', 0, 100) ?? d.certainty,
    priority: integer(fields, 'priority', 0, 100) ?? d.priority,
    level: oneOf(fields, 'level', ['A', 'AA', 'AAA'] as const) ?? d.level,
    uaString: text(fields, 'uaString', LIMITS.uaChars) ?? d.uaString,
    store: Number(oneOf(fields, 'store', ['0', '1'] as const) ?? d.store),
    ref: oneOf(fields, 'ref', ['0', '1'] as const) ?? '1',
    importance: oneOf(fields, 'importance', ['0', '1', '2', '3'] as const) ?? '1',
    responseID: opts.responseID ?? randomBytes(16).toString('hex'),
    userID: opts.userID ?? '1',
    projectID: text(fields, 'projectID', LIMITS.idChars) ?? d.projectID,
    docID: text(fields, 'docID', LIMITS.idChars) ?? opts.docID ?? newDocID(),
    waitFor: integer(fields, 'waitFor', 0, LIMITS.waitForMs) ?? null,
    fragment: Number(oneOf(fields, 'fragment', ['0', '1'] as const) ?? 0),
    viewport: {
      height: integer(fields, 'viewPortHeight', min, max) ?? d.viewPortHeight,
      width: integer(fields, 'viewPortWidth', min, max) ?? d.viewPortWidth,
    },
    ...(callback ? { callback: { url: callback.url, method: callback.method } } : {}),
  };
  return { key, src, callback, mirror };
}
