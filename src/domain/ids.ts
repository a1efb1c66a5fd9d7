import { monotonicFactory } from 'ulid';

/**
 * Prefixed, time-sortable identifiers (`hook_01J…`), so a log line tells you what it names
 * and ids double as pagination cursors.
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
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ulid = monotonicFactory();

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${ulid(now).toLowerCase()}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIXES[kind]}_`);
}
