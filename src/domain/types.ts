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

/** `hmac-sha256`: Standard Webhooks `v1,`; `ed25519`: `v1a,` with a published public key. */
export const SIGNATURE_SCHEMES = ['hmac-sha256', 'ed25519'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

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
  /** With `ed25519`, `secret` holds the private key (`whsk_…`, never shown). */
  signatureScheme: SignatureScheme;
  /** `whpk_…` of an ed25519 hook's current key; null for HMAC. */
  publicKey: string | null;
  /** Set at the first failure after a success; cleared by any success. */
  failingSince: number | null;
  lastSuccessAt: number | null;
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** Sent with every request to the hook (names checked by hook-options rules). */
  headers: Record<string, string>;
  /** A JSON Schema the envelope must satisfy for the hook to get the event; null: every event. */
  filter: object | null;
  /** Requests per second to this hook, across every worker; null: no limit. */
  rateLimit: number | null;
  ordering: HookOrdering;
  /** JSON Pointer into the envelope: FIFO per value instead of per hook. */
  orderingKey: string | null;
}

export type HookOrdering = 'none' | 'fifo';

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
    | 'signatureScheme'
    | 'publicKey'
    | 'failingSince'
    | 'disabledReason'
    | 'headers'
    | 'filter'
    | 'rateLimit'
    | 'ordering'
    | 'orderingKey'
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
  /** The version of the tenant's own event type `data` was validated against; null for built-in types. */
  typeVersion: number | null;
  /** W3C `traceparent` of the publish span: its delivery attempts join that trace. */
  traceparent: string | null;
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
  /** HTTP method; POST when absent (Tenon callbacks may ask for PUT, PATCH or DELETE). */
  method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Extra request headers (a Tenon callback's own), sent like a hook's `headers`. */
  headers?: Record<string, string>;
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
  /** A `fifo` hook's queue ('' or the orderingKey's value); absent for every other delivery. */
  orderKey?: string | null;
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
  /**
   * The two header maps as the JSON the attempt log stores, when the attempt arrived so from the
   * sender thread (sender-wire.ts): the store writes it as it came, and nothing parses it.
   */
  readonly headersJson?: { readonly request: string; readonly response: string | null };
}

/** A leased delivery with everything needed to send it. */
export interface ClaimedDelivery {
  delivery: Delivery;
  /** The event's payload (the exact request body). */
  payload: string;
  eventType: string;
  /** The hook as it is now; null for reporter deliveries. */
  hook: Hook | null;
  /** The event's stored trace context (StoredEvent.traceparent), when it has one. */
  trace?: string | null;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
