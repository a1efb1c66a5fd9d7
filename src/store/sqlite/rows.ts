import type {
  ApiKey,
  Attempt,
  Delivery,
  DeliveryStatus,
  DeliveryTarget,
  Hook,
  KeyRole,
  OldSecret,
  StoredEvent,
  Tenant,
} from '../../domain/types.ts';
import type { Param, Row } from './db.ts';

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
] as const;

export const DELIVERY_COLUMNS = [
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
] as const;

/** `h.id AS h_id, h.tenant_id AS h_tenant_id, …` for joins that also return a delivery. */
export function aliased(table: string, columns: readonly string[], prefix: string): string {
  return columns.map((c) => `${table}.${c} AS ${prefix}${c}`).join(', ');
}

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => JSON.parse(v as string) as T;
const jsonOrNull = <T>(v: unknown): T | null => (v === null || v === undefined ? null : json<T>(v));

export function tenantFromRow(r: Row): Tenant {
  return { id: str(r['id']), name: str(r['name']), createdAt: num(r['created_at']) };
}

export function apiKeyFromRow(r: Row): ApiKey {
  return {
    id: str(r['id']),
    tenantId: str(r['tenant_id']),
    name: str(r['name']),
    role: str(r['role']) as KeyRole,
    hash: str(r['hash']),
    prefix: str(r['prefix']),
    createdAt: num(r['created_at']),
    revokedAt: numOrNull(r['revoked_at']),
  };
}

export function hookFromRow(r: Row, p = ''): Hook {
  return {
    id: str(r[`${p}id`]),
    tenantId: str(r[`${p}tenant_id`]),
    name: str(r[`${p}name`]),
    url: str(r[`${p}url`]),
    objects: json<string[]>(r[`${p}objects`]),
    events: jsonOrNull<string[]>(r[`${p}events`]),
    enabled: r[`${p}enabled`] === 1,
    username: strOrNull(r[`${p}username`]),
    password: strOrNull(r[`${p}password`]),
    secret: str(r[`${p}secret`]),
    oldSecrets: json<OldSecret[]>(r[`${p}old_secrets`]),
    failingSince: numOrNull(r[`${p}failing_since`]),
    lastSuccessAt: numOrNull(r[`${p}last_success_at`]),
    disabledReason: strOrNull(r[`${p}disabled_reason`]),
    createdAt: num(r[`${p}created_at`]),
    updatedAt: num(r[`${p}updated_at`]),
  };
}

export function hookParams(h: Hook): Param[] {
  return [
    h.id,
    h.tenantId,
    h.name,
    h.url,
    JSON.stringify(h.objects),
    h.events === null ? null : JSON.stringify(h.events),
    h.enabled ? 1 : 0,
    h.username ?? null,
    h.password ?? null,
    h.secret,
    JSON.stringify(h.oldSecrets ?? []),
    h.failingSince ?? null,
    h.lastSuccessAt ?? null,
    h.disabledReason ?? null,
    h.createdAt,
    h.updatedAt,
  ];
}

export function eventFromRow(r: Row): StoredEvent {
  return {
    id: str(r['id']),
    tenantId: str(r['tenant_id']),
    eventId: str(r['event_id']),
    type: str(r['type']),
    dateAdded: num(r['date_added']),
    payload: str(r['payload']),
    idempotencyKey: strOrNull(r['idempotency_key']),
    createdAt: num(r['created_at']),
  };
}

export function deliveryFromRow(r: Row): Delivery {
  return {
    id: str(r['id']),
    tenantId: str(r['tenant_id']),
    eventId: str(r['event_id']),
    hookId: strOrNull(r['hook_id']),
    target: jsonOrNull<DeliveryTarget>(r['target']),
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
  };
}

export function deliveryParams(d: Delivery): Param[] {
  return [
    d.id,
    d.tenantId,
    d.eventId,
    d.hookId ?? null,
    d.target ? JSON.stringify(d.target) : null,
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
  ];
}

export function attemptFromRow(r: Row): Attempt {
  return {
    id: str(r['id']),
    deliveryId: str(r['delivery_id']),
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
