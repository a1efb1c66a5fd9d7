import type { ApiKeyId, AttemptId, DeliveryId, EventRowId, HookId, TenantId } from './ids.ts';
/** Domain records shared by the API, the engine and every store backend. Times are unix ms. */

export const HOOK_OBJECTS = ['apiLog', 'project', 'site', 'issue', 'build', 'hook'] as const;
export type HookObject = (typeof HOOK_OBJECTS)[number];

export interface Tenant {
  id: TenantId;
  name: string;
  createdAt: number;
}

export type KeyRole = 'admin' | 'member';

export interface ApiKey {
  id: ApiKeyId;
  tenantId: string;
  name: string;
  role: KeyRole;
  /** sha256 hex of the full key; the key itself is never stored. */
  hash: string;
  /** First characters of the key, shown in listings so a user can tell keys apart. */
  prefix: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface OldSecret {
  secret: string;
  expiresAt: number;
}

export interface Hook {
  id: HookId;
  tenantId: string;
  name: string;
  url: string;
  objects: string[];
  /** null = every event of the chosen objects. */
  events: string[] | null;
  enabled: boolean;
  username: string | null;
  password: string | null;
  secret: string;
  /** Secrets replaced by a rotation; they keep signing until they expire. */
  oldSecrets: OldSecret[];
  /** Set at the first failure after a success; cleared by any success. */
  failingSince: number | null;
  lastSuccessAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
}

export type HookPatch = Partial<
  Pick<
    Hook,
    | 'name'
    | 'url'
    | 'objects'
    | 'events'
    | 'enabled'
    | 'username'
    | 'password'
    | 'secret'
    | 'oldSecrets'
    | 'failingSince'
    | 'disabledReason'
  >
>;

export interface StoredEvent {
  /** Internal id, `evt_…`. */
  id: EventRowId;
  tenantId: string;
  /** The envelope's eventID: the caller's, or a generated UUID. Unique per tenant. */
  eventID: string;
  /** `object.action`, e.g. `site.created`. */
  type: string;
  dateAdded: number;
  /** The exact JSON body POSTed to receivers: `{eventID, event, dateAdded, data}`. */
  payload: string;
  /** Idempotency-Key header, when one was sent. Unique per tenant. */
  idempotencyKey: string | null;
  createdAt: number;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/**
 * Where a delivery goes when it has no hook (a build's webhook reporter). A hook's delivery
 * always uses the hook's current URL, credentials and secrets instead.
 */
export interface DeliveryTarget {
  url: string;
  username?: string | null;
  password?: string | null;
  /** Standard Webhooks secret (`whsec_…`) or a raw key; see signatureStyle. */
  secret?: string | null;
  /** `usetrace` adds `Signature: sha256=<hex>` keyed by the raw secret. */
  signatureStyle?: 'standard' | 'usetrace';
}

export interface Delivery {
  id: DeliveryId;
  tenantId: string;
  eventRowId: EventRowId;
  hookId: string | null;
  target: DeliveryTarget | null;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** Position in the retry schedule; reset by redeliver and recover. */
  schedulePos: number;
  nextAttemptAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

export interface Attempt {
  id: AttemptId;
  deliveryId: DeliveryId;
  tenantId: string;
  /** 1-based. */
  attemptNo: number;
  startedAt: number;
  durationMs: number;
  requestUrl: string;
  /** Credentials redacted. */
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  /** First 4 KB of the response body. */
  responseBody: string | null;
  error: string | null;
}

/** A leased delivery with everything needed to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  /** The event's payload (the exact request body). */
  payload: string;
  eventType: string;
  /** The hook as it is now; null for reporter deliveries. */
  hook: Hook | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
