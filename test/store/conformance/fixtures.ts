import { NO_HOOK_OPTIONS } from '../../../src/domain/hook-options.ts';
import { test } from 'node:test';
import { ulid } from 'ulid';
import { ID_PREFIXES, newId, type Id, type IdKind } from '../../../src/domain/ids.ts';
import type { Attempt, Delivery, Hook, StoredEvent, Tenant } from '../../../src/domain/types.ts';
import type { AttemptResult, NewEventWithDeliveries, Store } from '../../../src/store/store.ts';
import type { StoreFixture, StoreTarget as ConformanceTarget } from '../../helpers/store-targets.ts';

/** Each backend's test file provides a target; see test/helpers/store-targets.ts. */
export type { StoreFixture, ConformanceTarget };

/** Registers a test that gets a fresh fixture and always closes it. */
export function storeTest(
  target: ConformanceTarget,
  name: string,
  fn: (f: StoreFixture) => Promise<void>,
): void {
  test(name, async () => {
    const fixture = await target.fresh();
    try {
      await fn(fixture);
    } finally {
      await fixture.close();
    }
  });
}

/** A fixed clock: tests pass explicit times, so nothing depends on the wall clock. */
export const T0 = 1_700_000_000_000;

export function makeTenant(name = 'acme'): Tenant {
  return { id: newId('tenant'), name, createdAt: T0 };
}

export function makeHook(tenantId: string, over: Partial<Hook> = {}): Hook {
  return {
    id: newId('hook'),
    tenantId,
    name: 'sites',
    url: 'https://receiver.example/hook',
    objects: ['site'],
    events: null,
    enabled: true,
    username: null,
    password: null,
    secret: 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0',
    oldSecrets: [],
    signatureScheme: 'hmac-sha256',
    publicKey: null,
    failingSince: null,
    lastSuccessAt: null,
    disabledReason: null,
    createdAt: T0,
    updatedAt: T0,
    ...NO_HOOK_OPTIONS,
    ...over,
  };
}

/**
 * An id of `kind` minted at `at`, whatever ids this process minted before (newId is monotonic,
 * so it never goes back in time): for rows that must look as old as their timestamps.
 */
export function idAt<K extends IdKind>(kind: K, at: number): Id<K> {
  return `${ID_PREFIXES[kind]}_${ulid(at).toLowerCase()}` as Id<K>;
}

export function makeEvent(tenantId: string, over: Partial<StoredEvent> = {}): StoredEvent {
  const eventId = over.eventID ?? crypto.randomUUID();
  return {
    id: newId('event'),
    tenantId,
    eventID: eventId,
    type: 'site.created',
    dateAdded: T0,
    payload: JSON.stringify({ eventID: eventId, event: 'site.created', dateAdded: T0, data: { name: 'x' } }),
    idempotencyKey: null,
    createdAt: T0,
    typeVersion: null,
    traceparent: null,
    ...over,
  };
}

/** A pending delivery of `event`, due at T0; to `hook` when given, else a reporter target. */
export function makeDelivery(event: StoredEvent, hook: Hook | null, over: Partial<Delivery> = {}): Delivery {
  return {
    id: newId('delivery'),
    tenantId: event.tenantId,
    eventRowId: event.id,
    hookId: hook?.id ?? null,
    target: hook ? null : { url: 'https://ci.example/report', secret: 'raw-key', signatureStyle: 'usetrace' },
    status: 'pending',
    attempts: 0,
    schedulePos: 0,
    nextAttemptAt: T0,
    leaseOwner: null,
    leaseUntil: null,
    lastStatus: null,
    lastError: null,
    createdAt: event.createdAt,
    updatedAt: event.createdAt,
    deliveredAt: null,
    ...over,
  };
}

export function makeAttempt(d: Delivery, over: Partial<Attempt> = {}): Attempt {
  return {
    id: newId('attempt'),
    deliveryId: d.id,
    tenantId: d.tenantId,
    attemptNo: d.attempts + 1,
    startedAt: T0 + 10,
    durationMs: 25,
    requestUrl: 'https://receiver.example/hook',
    requestHeaders: { 'content-type': 'application/json', 'webhook-id': d.id },
    responseStatus: 200,
    responseHeaders: { 'x-reply': 'ok' },
    responseBody: 'ok',
    error: null,
    ...over,
  };
}

export function makeResult(
  d: Delivery,
  outcome: AttemptResult['outcome'],
  over: Partial<Attempt> = {},
  extra: Partial<AttemptResult> = {},
): AttemptResult {
  const failed = outcome !== 'delivered';
  return {
    attempt: makeAttempt(
      d,
      failed ? { responseStatus: 500, responseBody: 'boom', error: 'HTTP 500', ...over } : over,
    ),
    outcome,
    nextAttemptAt: outcome === 'retry' ? T0 + 60_000 : null,
    schedulePos: outcome === 'retry' ? 1 : 0,
    hookId: d.hookId,
    ...extra,
  };
}

/** Inserts one event with the given deliveries (built from it) and returns both. */
export async function insertOne(
  store: Store,
  event: StoredEvent,
  deliveries: (e: StoredEvent) => Delivery[] = () => [],
): Promise<NewEventWithDeliveries> {
  const item = { event, deliveries: deliveries(event) };
  await store.insertEvents([item]);
  return item;
}

/** A tenant with one enabled hook, stored. */
export async function seedTenant(store: Store, name = 'acme'): Promise<{ tenant: Tenant; hook: Hook }> {
  const tenant = makeTenant(name);
  await store.createTenant(tenant);
  const hook = makeHook(tenant.id);
  await store.createHook(hook);
  return { tenant, hook };
}

export function ids(xs: { id: string }[]): string[] {
  return xs.map((x) => x.id);
}

/** Resolves when `fn` is called, or rejects after `ms` so a missing call fails instead of hanging. */
export function calledWithin(ms: number): { fn: () => void; called: Promise<void> } {
  let resolve!: () => void;
  let timer: NodeJS.Timeout | undefined;
  const called = new Promise<void>((res, rej) => {
    resolve = res;
    timer = setTimeout(() => rej(new Error(`not called within ${ms} ms`)), ms);
  });
  return {
    fn: () => {
      clearTimeout(timer);
      resolve();
    },
    called,
  };
}
