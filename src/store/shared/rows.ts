import type { TenantId, ApiKeyId, HookId, EventRowId, DeliveryId, AttemptId } from '../../domain/ids.ts';
import type {
  ApiKey,
  Attempt,
  ClaimedDelivery,
  Delivery,
  DeliveryStatus,
  DeliveryTarget,
  Hook,
  HookOrdering,
  KeyRole,
  OldSecret,
  SignatureScheme,
  StoredEvent,
  Tenant,
} from '../../domain/types.ts';
import type { AttemptResult } from '../store.ts';
import { PLAIN, type Codec } from '../sealing/box.ts';

/** A row as either driver returns it (SQLite's rows are a narrower record of this). */
export type AnyRow = Record<string, unknown>;

/**
 * What a row mapper needs beyond the row: how the dialect stores booleans, and the store's
 * secret codec (`seal`/`open`, see sealing/box.ts) for the columns that hold secrets.
 */
export interface Dialect extends Codec {
  /** Reads a boolean column (SQLite: 0/1 integers, PostgreSQL: booleans). */
  bool(v: unknown): boolean;
  /** Writes a boolean parameter. */
  boolParam(b: boolean): unknown;
}

/** SQLite stores booleans as 0/1 integers. (With PLAIN: a store opened without a secret key.) */
export const SQLITE: Dialect = { bool: (v) => Number(v) === 1, boolParam: (b) => (b ? 1 : 0), ...PLAIN };

/** PostgreSQL has real booleans. */
export const POSTGRES: Dialect = { bool: (v) => v === true, boolParam: (b) => b, ...PLAIN };

/** A dialect whose secret columns go through `codec`. */
export const withCodec = (d: Dialect, codec: Codec): Dialect => ({
  bool: d.bool,
  boolParam: d.boolParam,
  seal: codec.seal,
  open: codec.open,
});

/** A nullable secret column, sealed; and opened. */
export const sealOrNull = (d: Codec, v: string | null | undefined): string | null =>
  v === null || v === undefined ? null : d.seal(v);
export const openOrNull = (d: Codec, v: unknown): string | null =>
  v === null || v === undefined ? null : d.open(v as string);

/** Column lists in table order, shared by INSERTs and aliased SELECTs. */
export const HOOK_COLUMNS = [
  'id',
  'tenant_id',
  'name',
  'url',
  'objects',
  'events',
  'enabled',
  'username',
  'password',
  'secret',
  'old_secrets',
  'failing_since',
  'last_success_at',
  'disabled_reason',
  'created_at',
  'updated_at',
  'headers',
  'filter_schema',
  'rate_limit',
  'ordering',
  'ordering_key',
  'signature_scheme',
  'public_key',
] as const;

export const DELIVERY_COLUMN_NAMES = [
  'id',
  'tenant_id',
  'event_id',
  'hook_id',
  'target',
  'status',
  'attempts',
  'schedule_pos',
  'next_attempt_at',
  'lease_owner',
  'lease_until',
  'last_status',
  'last_error',
  'created_at',
  'updated_at',
  'delivered_at',
  'order_key',
] as const;

export type DeliveryColumn = (typeof DELIVERY_COLUMN_NAMES)[number];

/** `h.id AS h_id, h.tenant_id AS h_tenant_id, …` for joins that also return a delivery. */
export function aliased(table: string, columns: readonly string[], prefix: string): string {
  return columns.map((c) => `${table}.${c} AS ${prefix}${c}`).join(', ');
}

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => JSON.parse(v as string) as T;
const jsonOrNull = <T>(v: unknown): T | null => (v === null || v === undefined ? null : json<T>(v));

export function tenantFromRow(r: AnyRow): Tenant {
  return { id: str(r['id']) as TenantId, name: str(r['name']), createdAt: num(r['created_at']) };
}

export function apiKeyFromRow(r: AnyRow): ApiKey {
  return {
    id: str(r['id']) as ApiKeyId,
    tenantId: str(r['tenant_id']),
    name: str(r['name']),
    role: str(r['role']) as KeyRole,
    hash: str(r['hash']),
    prefix: str(r['prefix']),
    createdAt: num(r['created_at']),
    revokedAt: numOrNull(r['revoked_at']),
  };
}

/** Reads a hook whose columns may carry a prefix (`h_id`, … from `aliased`). */
export function hookFromRow(d: Dialect, r: AnyRow, p = ''): Hook {
  return {
    id: str(r[`${p}id`]) as HookId,
    tenantId: str(r[`${p}tenant_id`]),
    name: str(r[`${p}name`]),
    url: str(r[`${p}url`]),
    objects: json<string[]>(r[`${p}objects`]),
    events: jsonOrNull<string[]>(r[`${p}events`]),
    enabled: d.bool(r[`${p}enabled`]),
    username: strOrNull(r[`${p}username`]),
    password: openOrNull(d, r[`${p}password`]),
    secret: d.open(str(r[`${p}secret`])),
    oldSecrets: json<OldSecret[]>(d.open(str(r[`${p}old_secrets`]))),
    failingSince: numOrNull(r[`${p}failing_since`]),
    lastSuccessAt: numOrNull(r[`${p}last_success_at`]),
    disabledReason: strOrNull(r[`${p}disabled_reason`]),
    createdAt: num(r[`${p}created_at`]),
    updatedAt: num(r[`${p}updated_at`]),
    headers: json<Record<string, string>>(r[`${p}headers`]),
    filter: jsonOrNull<object>(r[`${p}filter_schema`]),
    rateLimit: numOrNull(r[`${p}rate_limit`]),
    ordering: str(r[`${p}ordering`]) as HookOrdering,
    orderingKey: strOrNull(r[`${p}ordering_key`]),
    signatureScheme: str(r[`${p}signature_scheme`]) as SignatureScheme,
    publicKey: strOrNull(r[`${p}public_key`]),
  };
}

/** A hook's parameters in HOOK_COLUMNS order. */
export function hookValues(d: Dialect, h: Hook): unknown[] {
  return [
    h.id,
    h.tenantId,
    h.name,
    h.url,
    JSON.stringify(h.objects),
    h.events === null ? null : JSON.stringify(h.events),
    d.boolParam(h.enabled),
    h.username ?? null,
    sealOrNull(d, h.password),
    d.seal(h.secret),
    d.seal(JSON.stringify(h.oldSecrets ?? [])),
    h.failingSince ?? null,
    h.lastSuccessAt ?? null,
    h.disabledReason ?? null,
    h.createdAt,
    h.updatedAt,
    JSON.stringify(h.headers ?? {}),
    h.filter ? JSON.stringify(h.filter) : null,
    h.rateLimit ?? null,
    h.ordering ?? 'none',
    h.orderingKey ?? null,
    h.signatureScheme,
    h.publicKey,
  ];
}

export function eventFromRow(r: AnyRow): StoredEvent {
  return {
    id: str(r['id']) as EventRowId,
    tenantId: str(r['tenant_id']),
    eventID: str(r['event_id']),
    type: str(r['type']),
    dateAdded: num(r['date_added']),
    payload: str(r['payload']),
    idempotencyKey: strOrNull(r['idempotency_key']),
    createdAt: num(r['created_at']),
    typeVersion: numOrNull(r['type_version']),
    traceparent: strOrNull(r['trace_parent']),
  };
}

export function deliveryFromRow(d: Dialect, r: AnyRow): Delivery {
  return {
    id: str(r['id']) as DeliveryId,
    tenantId: str(r['tenant_id']),
    eventRowId: str(r['event_id']) as EventRowId,
    hookId: strOrNull(r['hook_id']),
    target: jsonOrNull<DeliveryTarget>(openOrNull(d, r['target'])),
    status: str(r['status']) as DeliveryStatus,
    attempts: num(r['attempts']),
    schedulePos: num(r['schedule_pos']),
    nextAttemptAt: numOrNull(r['next_attempt_at']),
    leaseOwner: strOrNull(r['lease_owner']),
    leaseUntil: numOrNull(r['lease_until']),
    lastStatus: numOrNull(r['last_status']),
    lastError: strOrNull(r['last_error']),
    createdAt: num(r['created_at']),
    updatedAt: num(r['updated_at']),
    deliveredAt: numOrNull(r['delivered_at']),
    // Only FIFO deliveries carry the field, so every other delivery reads as it always did.
    ...(r['order_key'] !== null && r['order_key'] !== undefined && { orderKey: str(r['order_key']) }),
  };
}

/** A delivery's parameters in DELIVERY_COLUMN_NAMES order. */
export function deliveryValues(codec: Codec, d: Delivery): unknown[] {
  return [
    d.id,
    d.tenantId,
    d.eventRowId,
    d.hookId ?? null,
    d.target ? codec.seal(JSON.stringify(d.target)) : null,
    d.status,
    d.attempts,
    d.schedulePos,
    d.nextAttemptAt ?? null,
    d.leaseOwner ?? null,
    d.leaseUntil ?? null,
    d.lastStatus ?? null,
    d.lastError ?? null,
    d.createdAt,
    d.updatedAt,
    d.deliveredAt ?? null,
    d.orderKey ?? null,
  ];
}

export function attemptFromRow(r: AnyRow): Attempt {
  return {
    id: str(r['id']) as AttemptId,
    deliveryId: str(r['delivery_id']) as DeliveryId,
    tenantId: str(r['tenant_id']),
    attemptNo: num(r['attempt_no']),
    startedAt: num(r['started_at']),
    durationMs: num(r['duration_ms']),
    requestUrl: str(r['request_url']),
    requestHeaders: json<Record<string, string>>(r['request_headers']),
    responseStatus: numOrNull(r['response_status']),
    responseHeaders: jsonOrNull<Record<string, string>>(r['response_headers']),
    responseBody: strOrNull(r['response_body']),
    error: strOrNull(r['error']),
  };
}

/** The header maps as the attempt log stores them: the JSON they came as, if they came so. */
const requestHeadersJson = (a: Attempt): string =>
  a.headersJson?.request ?? JSON.stringify(a.requestHeaders ?? {});
const responseHeadersJson = (a: Attempt): string | null =>
  a.headersJson ? a.headersJson.response : a.responseHeaders ? JSON.stringify(a.responseHeaders) : null;

/** An attempt's parameters in the attempts table's column order (id … error). */
export function attemptValues(a: Attempt): unknown[] {
  return [
    a.id,
    a.deliveryId,
    a.tenantId,
    a.attemptNo,
    a.startedAt,
    a.durationMs,
    a.requestUrl,
    requestHeadersJson(a),
    a.responseStatus ?? null,
    responseHeadersJson(a),
    a.responseBody ?? null,
    a.error ?? null,
  ];
}

/**
 * A first attempt that delivered is kept on its delivery's row (migration 017): these columns,
 * each an attempts column less what the row already says (delivery, tenant, attempt_no 1, no
 * error). Same order as the attempts table, so `firstAttemptValues` is `attemptValues` less those.
 */
export const FIRST_ATTEMPT_COLUMNS = [
  ['first_attempt_id', 'id'],
  ['first_started_at', 'started_at'],
  ['first_duration_ms', 'duration_ms'],
  ['first_request_url', 'request_url'],
  ['first_request_headers', 'request_headers'],
  ['first_response_status', 'response_status'],
  ['first_response_headers', 'response_headers'],
  ['first_response_body', 'response_body'],
] as const;

/** Whether a result's attempt goes on its delivery's row rather than into attempts. */
export const isFirstSuccess = (r: AttemptResult): boolean =>
  r.attempt.attemptNo === 1 && r.outcome === 'delivered' && (r.attempt.error ?? null) === null;

/** A first attempt's parameters in FIRST_ATTEMPT_COLUMNS order. */
export function firstAttemptValues(a: Attempt): unknown[] {
  return [
    a.id,
    a.startedAt,
    a.durationMs,
    a.requestUrl,
    requestHeadersJson(a),
    a.responseStatus ?? null,
    responseHeadersJson(a),
    a.responseBody ?? null,
  ];
}

/**
 * The first attempts kept on rows of `deliveries` (aliased `d`), as attempts rows: a UNION ALL
 * branch next to `SELECT … FROM attempts`, read by attemptFromRow. Add conditions with AND.
 */
export const FIRST_ATTEMPTS_AS_ROWS = `SELECT d.first_attempt_id AS id, d.id AS delivery_id, d.tenant_id,
    1 AS attempt_no, ${FIRST_ATTEMPT_COLUMNS.slice(1)
      .map(([f, a]) => `d.${f} AS ${a}`)
      .join(', ')}, NULL AS error
  FROM deliveries d WHERE d.first_attempt_id IS NOT NULL`;

/** The attempts table's columns, in order, for a UNION ALL with FIRST_ATTEMPTS_AS_ROWS. */
export const ATTEMPT_COLUMN_LIST =
  'id, delivery_id, tenant_id, attempt_no, started_at, duration_ms, request_url, request_headers, response_status, response_headers, response_body, error';

/** What a batch does to one hook's health, its results taken in the order they started. */
export interface HealthChange {
  hookId: string;
  /** Start of the latest successful attempt, if any. */
  lastSuccessAt: number | null;
  /** Start of the first failure after that success (or of the first failure, if none). */
  failingSince: number | null;
}

/** One change per hook, in the order each hook first appears among the started attempts. */
export function foldHealth(results: AttemptResult[]): HealthChange[] {
  const byHook = new Map<string, HealthChange>();
  const ordered = results
    .filter((r) => r.hookId !== null)
    .sort((a, b) => a.attempt.startedAt - b.attempt.startedAt);
  for (const r of ordered) {
    const hookId = r.hookId as string;
    let change = byHook.get(hookId);
    if (!change) {
      change = { hookId, lastSuccessAt: null, failingSince: null };
      byHook.set(hookId, change);
    }
    if (r.outcome === 'delivered') {
      change.lastSuccessAt = r.attempt.startedAt;
      change.failingSince = null;
    } else {
      change.failingSince ??= r.attempt.startedAt;
    }
  }
  return [...byHook.values()];
}

/** How an attempt's outcome moves its delivery. */
export function outcomeColumns(r: AttemptResult): {
  status: string;
  nextAttemptAt: number | null;
  finishedAt: number;
  deliveredAt: number | null;
} {
  const finishedAt = r.attempt.startedAt + Math.round(r.attempt.durationMs);
  if (r.outcome === 'delivered') {
    return { status: 'delivered', nextAttemptAt: null, finishedAt, deliveredAt: finishedAt };
  }
  if (r.outcome === 'failed') return { status: 'failed', nextAttemptAt: null, finishedAt, deliveredAt: null };
  return { status: 'pending', nextAttemptAt: r.nextAttemptAt ?? finishedAt, finishedAt, deliveredAt: null };
}

/** A claimed delivery joined with its event's payload and type (`e_…`) and its hook (`h_…`). */
export function claimedFromRow(d: Dialect, r: AnyRow): ClaimedDelivery {
  return {
    delivery: deliveryFromRow(d, r),
    payload: r['e_payload'] as string,
    eventType: r['e_type'] as string,
    hook: r['h_id'] === null ? null : hookFromRow(d, r, 'h_'),
  };
}

export function checkDeliveries(e: StoredEvent, deliveries: Delivery[]): void {
  for (const d of deliveries) {
    if (d.eventRowId !== e.id || d.tenantId !== e.tenantId) {
      throw new Error(`delivery ${d.id} does not belong to event ${e.id} of tenant ${e.tenantId}`);
    }
  }
}
