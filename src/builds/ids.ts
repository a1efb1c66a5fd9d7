import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Identifiers of the build system, prefixed and time-sortable like the core's (`bld_01J…`), so
 * they double as list cursors. Public identifiers keep the seeds' forms: a project's UUID and
 * a site's 12-character key.
 */
export const BUILD_ID_PREFIXES = {
  project: 'prj',
  site: 'site',
  trace: 'trc',
  build: 'bld',
  run: 'run',
} as const;

export type BuildIdKind = keyof typeof BUILD_ID_PREFIXES;

const ulid = monotonicFactory();

export function newBuildId(kind: BuildIdKind, now: number = Date.now()): string {
  return `${BUILD_ID_PREFIXES[kind]}_${ulid(now).toLowerCase()}`;
}

export const newProjectID = (): string => randomUUID();

const KEY_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A site key like the seed's `11jyv9d1NEnY`: 12 letters and digits (71 bits). */
export function newSiteKey(): string {
  let key = '';
  for (let i = 0; i < 12; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

/** The capability in a screenshot's URL: 32 random bytes, base64url. */
export const newScreenshotToken = (): string => randomBytes(32).toString('base64url');

export const SCREENSHOT_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;
