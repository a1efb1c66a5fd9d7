import { createHash } from 'node:crypto';
import type { Delivery, Hook } from './types.ts';

/**
 * Pure rules of the hook options of issue 17 that more than one layer needs: which request
 * headers a user may set, and JSON Pointers (RFC 6901) into the envelope for FIFO keys.
 */

/** An HTTP token (RFC 9110 §5.6.2): what a header name must be. */
export const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Names Herald sets itself (or that would change how the request is read): never a user's. */
export const RESERVED_HEADERS: readonly string[] = [
  'content-type',
  'content-length',
  'host',
  'user-agent',
  'authorization',
  'signature',
  'traceparent',
];

export const MAX_HEADERS = 20;
export const MAX_HEADER_VALUE = 1000;

export function isReservedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return RESERVED_HEADERS.includes(n) || n.startsWith('webhook-');
}

/** Visible ASCII, spaces and tabs, and any non-ASCII text; never CR, LF or another control. */
export function isHeaderValue(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value);
}

/** Why `pointer` is not a JSON Pointer to a member of the envelope, or null when it is one. */
export function pointerProblem(pointer: string): string | null {
  if (!pointer.startsWith('/')) return 'must start with "/" (a JSON Pointer, e.g. /data/projectID)';
  if (pointer.length > 200) return 'must be at most 200 characters';
  if (/~[^01]|~$/.test(pointer)) return 'has a "~" that is not "~0" or "~1"';
  return null;
}

/** The value `pointer` names in `doc`, or undefined. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (at === null || typeof at !== 'object') return undefined;
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      at = at[Number(token)];
    } else {
      if (!Object.hasOwn(at, token)) return undefined;
      at = (at as Record<string, unknown>)[token];
    }
  }
  return at;
}

const MAX_KEY = 200;

/**
 * The FIFO queue an event goes to: '' for the whole hook (no key, or the key is missing from
 * the envelope), else the key's value as text. Long values are hashed so the index stays small.
 */
export function orderKeyOf(envelope: unknown, orderingKey: string | null): string {
  if (orderingKey === null) return '';
  const v = resolvePointer(envelope, orderingKey);
  if (v === undefined || v === null) return '';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length <= MAX_KEY ? text : `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** A hook's options when none is set: it behaves exactly as a hook did before issue 17. */
export const NO_HOOK_OPTIONS = {
  headers: {},
  filter: null,
  rateLimit: null,
  ordering: 'none',
  orderingKey: null,
} as const satisfies Pick<Hook, 'headers' | 'filter' | 'rateLimit' | 'ordering' | 'orderingKey'>;

/** A FIFO delivery waits its turn in the database: it is never handed to a worker directly. */
export const ordered = (d: Pick<Delivery, 'orderKey'>): boolean =>
  d.orderKey !== undefined && d.orderKey !== null;
