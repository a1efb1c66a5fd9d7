import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulid';

/**
 * The one registry of Herald's own identifiers: prefixed and time-sortable (`hook_01J…`), so
 * a log line tells you what it names and ids double as pagination cursors. Public
 * identifiers that the seeds define keep the seeds' forms instead: a project's UUID
 * (`projectID`), a site's 12-character key, an event's `eventID`.
 */
export const ID_PREFIXES = {
  tenant: 'ten',
  apiKey: 'key',
  hook: 'hook',
  event: 'evt',
  delivery: 'dlv',
  attempt: 'atmpt',
  user: 'usr',
  session: 'sess',
  project: 'prj',
  site: 'site',
  trace: 'trc',
  build: 'bld',
  run: 'run',
  slot: 'slot',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

declare const kindBrand: unique symbol;

/**
 * An id of one kind. The brand exists only for the type checker: a `HookId` cannot be passed
 * where a `DeliveryId` is expected, but at run time both are plain strings.
 */
export type Id<K extends IdKind> = string & { readonly [kindBrand]: K };

export type TenantId = Id<'tenant'>;
export type ApiKeyId = Id<'apiKey'>;
export type HookId = Id<'hook'>;
export type EventRowId = Id<'event'>;
export type DeliveryId = Id<'delivery'>;
export type AttemptId = Id<'attempt'>;
export type UserId = Id<'user'>;
export type SessionId = Id<'session'>;
export type ProjectRowId = Id<'project'>;
export type SiteRowId = Id<'site'>;
export type TraceId = Id<'trace'>;
export type BuildId = Id<'build'>;
export type RunId = Id<'run'>;

/**
 * Random values for ULIDs from a pool of cryptographic random bytes, refilled 4 KiB at a time.
 * The library's own source calls crypto.randomBytes(1) for each of the 16 random characters,
 * which made id minting a tenth of the sender thread's time.
 */
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function pooledRandom(): number {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++]! / 256;
}

const ulid = monotonicFactory(pooledRandom);
const ULID_BODY = '[0-9a-z]{26}';
const shapes = new Map<IdKind, RegExp>(
  (Object.keys(ID_PREFIXES) as IdKind[]).map((k) => [k, new RegExp(`^${ID_PREFIXES[k]}_${ULID_BODY}$`)]),
);
const ANY_ID = new RegExp(`^(?:${Object.values(ID_PREFIXES).join('|')})_${ULID_BODY}$`);

export function newId<K extends IdKind>(kind: K, now: number = Date.now()): Id<K> {
  return `${ID_PREFIXES[kind]}_${ulid(now).toLowerCase()}` as Id<K>;
}

/**
 * The least id of this kind minted at `at` or later: every id below it was minted before `at`
 * (ids are monotonic, so an id's time is never earlier than the clock when it was minted).
 */
export function idFloor(kind: IdKind, at: number): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(Math.max(0, Math.trunc(at)), 10).toLowerCase()}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}

/** Whether `raw` has exactly the shape of an id of this kind (prefix and ULID body). */
export function isId<K extends IdKind>(kind: K, raw: unknown): raw is Id<K> {
  return typeof raw === 'string' && shapes.get(kind)!.test(raw);
}

/** Whether `raw` has the shape of any of Herald's ids (a list cursor is one). */
export function isAnyId(raw: unknown): raw is Id<IdKind> {
  return typeof raw === 'string' && ANY_ID.test(raw);
}

/** The id when it has this kind's shape, else undefined (for optional cursors in pages). */
export function idOrUndefined<K extends IdKind>(kind: K, raw: unknown): Id<K> | undefined {
  return isId(kind, raw) ? raw : undefined;
}

/** A project's public id, a UUID as in the seeds. */
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
