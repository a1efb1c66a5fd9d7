/**
 * The admission policy of the delivery worker, as pure functions of what it holds: how much a
 * claim may take, whose work a claim leaves in the database, whether the publisher may hand a
 * batch over, and what happens to each claimed delivery (held, parked, given back). The worker
 * (worker.ts) only applies the verdicts; test/delivery/admission.test.ts checks them with tables.
 *
 * Shares, from batchSize (deliveries in flight at once):
 *  - the worker holds at most 4 × batchSize (waiting for a slot or in flight);
 *  - one tenant at most ¾ of that, so claims still reach other tenants' due work;
 *  - a hook alone in its tenant the tenant's whole share; beside others at most half of it, so a
 *    slow hook's backlog cannot shut its tenant's other hooks out;
 *  - payload bytes held at most maxHeldBytes, each event once (one event always gets through
 *    when nothing is held).
 */

export interface Limits {
  /** Deliveries in flight at once (the worker's batch size). */
  batchSize: number;
  hookMaxInFlight: number;
  maxHeldBytes: number;
}

/** What the worker holds now (the scheduler's counts and the held bytes). */
export interface Holding {
  readonly held: number;
  readonly heldBytes: number;
  heldBy(tenant: string): number;
  heldByKey(key: string): number;
  /** Whether another key of `key`'s tenant (or of `tenant`, for a key not held yet) holds work. */
  othersHolding(key: string, tenant?: string): boolean;
  holding(): Iterable<[string, number]>;
  holdingByKey(): Iterable<[string, number]>;
}

export const maxHeld = (l: Limits): number => l.batchSize * 4;

export function tenantMaxHeld(l: Limits): number {
  const m = maxHeld(l);
  return Math.max(1, m - Math.floor(m / 4));
}

/** How many deliveries of hook `key` may be held (see the shares above). */
export function hookMaxHeld(l: Limits, h: Holding, key: string, tenant?: string, withOthers = false): number {
  if (!withOthers && !h.othersHolding(key, tenant)) return tenantMaxHeld(l);
  return Math.max(l.hookMaxInFlight, Math.floor(tenantMaxHeld(l) / 2));
}

/**
 * Whether the publisher may hand over `n` deliveries (`bytes` of payload; one tenant's, with
 * `perHook` of each hook) already leased to this worker. Past its share a tenant's (or a hook's)
 * new work waits in the database: taking it only to give it back would cost writes. A handover
 * refused is committed unleased and comes back through claims.
 */
export function handoverFits(
  l: Limits,
  h: Holding,
  n: number,
  bytes: number,
  tenantId?: string,
  perHook?: ReadonlyMap<string, number>,
): boolean {
  if (h.held + n > maxHeld(l) || h.heldBytes + bytes > l.maxHeldBytes) return false;
  if (tenantId !== undefined && h.heldBy(tenantId) + n > tenantMaxHeld(l)) return false;
  const several = (perHook?.size ?? 0) > 1;
  for (const [hook, count] of perHook ?? [])
    if (h.heldByKey(hook) + count > hookMaxHeld(l, h, hook, tenantId, several)) return false;
  return true;
}

export interface ClaimPlan {
  /** Rows to claim at most; 0: claim nothing. */
  limit: number;
  /** Tenants and hooks a claim of `limit` could take past their share: left in the database. */
  excludeTenants: string[];
  excludeHooks: string[];
}

/** The claim's limit before bytes and shares: the room left, at most a batch. */
const roomLeft = (l: Limits, h: Holding): number => Math.min(maxHeld(l) - h.held, l.batchSize);

/**
 * The smallest claim worth making (half a batch). A claim is sized down to the room of the
 * tenant or hook with the least room, but not below this: a tenant or hook with less room is
 * left out instead, and the claim walks past its rows. (A quarter of a batch made four times
 * the claims of a burst, and cost PostgreSQL more than the walks it saved.)
 */
export const minClaim = (l: Limits): number => Math.max(1, Math.floor(l.batchSize / 2));

/**
 * The next claim. Its size is bounded by the room left, by the batch size, and by the bytes a
 * claimed row cost on average last time (`bytesPerClaimed`; enqueue holds the cap exactly).
 * It is then sized to the room of the tenants and hooks the worker holds, so it takes nothing
 * past their shares. Only tenants and hooks with less room than a worthwhile claim (minClaim)
 * are left out: a claim that leaves out the one tenant with due work walks all its due rows to
 * find nothing (in a backlog of 200,000, 65 ms a claim in vain).
 */
export function planClaim(l: Limits, h: Holding, bytesPerClaimed: number): ClaimPlan {
  const byBytes =
    h.heldBytes === 0 || bytesPerClaimed === 0
      ? Infinity
      : Math.floor((l.maxHeldBytes - h.heldBytes) / bytesPerClaimed);
  let limit = Math.min(roomLeft(l, h), byBytes);
  if (limit <= 0) return { limit: Math.max(0, limit), excludeTenants: [], excludeHooks: [] };
  const floor = Math.min(limit, minClaim(l));
  const tenantRooms: Array<[string, number]> = [];
  for (const [tenant, held] of h.holding()) tenantRooms.push([tenant, tenantMaxHeld(l) - held]);
  const hookRooms: Array<[string, number]> = [];
  for (const [key, held] of h.holdingByKey())
    if (key.startsWith('hook_')) hookRooms.push([key, hookMaxHeld(l, h, key) - held]);
  for (const [, room] of [...tenantRooms, ...hookRooms]) if (room >= floor && room < limit) limit = room;
  const excludeTenants = tenantRooms.filter(([, room]) => room < limit).map(([t]) => t);
  const excludeHooks = hookRooms.filter(([, room]) => room < limit).map(([k]) => k);
  return { limit, excludeTenants, excludeHooks };
}

/** Whether a claim of `plan` leaves anyone out (and so may walk their due rows in vain). */
export const leavesOut = (plan: ClaimPlan): boolean =>
  plan.excludeTenants.length > 0 || plan.excludeHooks.length > 0;

/**
 * Whether the next claim would take `tenant`'s work. New due work of a tenant it leaves out is
 * not worth a wake: that claim would walk the tenant's due rows to find nothing (a claim in vain);
 * finishing the tenant's work wakes the loop once it has room (roomToClaim).
 */
export function tenantInClaim(l: Limits, h: Holding, tenant: string): boolean {
  const limit = roomLeft(l, h);
  return limit > 0 && tenantMaxHeld(l) - h.heldBy(tenant) >= Math.min(limit, minClaim(l));
}

/**
 * Whether finishing work of `tenant`/`key` made room for a claim that will not leave them out
 * (waking the loop for a claim that excludes them would only query in vain).
 */
export function roomToClaim(l: Limits, h: Holding, tenant: string, key: string): boolean {
  if (h.held < l.batchSize) return true;
  const limit = roomLeft(l, h);
  const floor = Math.min(limit, minClaim(l));
  return (
    limit > 0 &&
    tenantMaxHeld(l) - h.heldBy(tenant) >= floor &&
    (!key.startsWith('hook_') || hookMaxHeld(l, h, key) - h.heldByKey(key) >= floor)
  );
}

/** One claimed delivery, as admission sees it. */
export interface Candidate {
  tenant: string;
  /** The scheduler key: the hook id, or a reporter's origin. */
  key: string;
  /** Whether it goes to a hook (a hook's share applies), not to a one-off target. */
  toHook: boolean;
  /** Payload bytes holding it would add (0 when its event is held already). */
  cost: number;
  /** The worker holds it already: its lease lapsed and this worker claimed it again. */
  held: boolean;
  /** Its hook changed after the row was read: it may carry the old URL or credentials. */
  stale: boolean;
  /** Until when its receiver's breaker keeps it in the database; null: closed. */
  breakerUntil: number | null;
}

/**
 * What happens to one claimed delivery. Every verdict but `hold` and `skip` is a pre-delivery
 * failure (failure.ts decides release or park from it).
 */
export type Admission =
  'hold' | 'skip' | 'hook-changed' | 'breaker-open' | 'over-tenant-share' | 'over-hook-share' | 'over-bytes';

/** Decides for one delivery; the caller holds it (changing `h`) before asking for the next. */
export function admit(l: Limits, h: Holding, c: Candidate): Admission {
  if (c.held) return 'skip';
  if (c.stale) return 'hook-changed';
  if (c.breakerUntil !== null) return 'breaker-open';
  if (h.heldBy(c.tenant) >= tenantMaxHeld(l)) return 'over-tenant-share';
  // The hook is full: back to the database, where claims leave it alone until it has room.
  if (c.toHook && h.heldByKey(c.key) >= hookMaxHeld(l, h, c.key, c.tenant)) return 'over-hook-share';
  if (c.cost > 0 && h.heldBytes > 0 && h.heldBytes + c.cost > l.maxHeldBytes) return 'over-bytes';
  return 'hold';
}
