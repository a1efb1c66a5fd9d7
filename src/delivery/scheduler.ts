/**
 * Which held delivery goes out next. Pure bookkeeping, no I/O, so the fairness rules can be
 * tested with tables of cases.
 *
 * Deficit round-robin with a unit cost per request (every request costs one slot): tenants
 * take turns, and within a tenant its hooks take turns. A served tenant (and hook) moves to
 * the back of its ring, so a tenant with 8 hooks gets no more turns than a tenant with one.
 *
 * Caps: the global cap (slots in flight), a per-tenant cap (slots one tenant may occupy,
 * below the global cap, so receivers that never answer cannot hold every slot: requests in
 * flight cannot be taken back, so the headroom must exist before another tenant arrives),
 * and a per-key cap (the hook's limit, lowered by its circuit breaker).
 */

export interface SchedulerLimits {
  /** Requests in flight at once, over everything. */
  globalCap: number;
  /** Requests in flight at once for one tenant. */
  tenantCap: number;
  /** Requests in flight at once for one key (hook or reporter origin); may change over time. */
  keyCap: (key: string) => number;
}

export interface Picked<T> {
  tenant: string;
  key: string;
  item: T;
}

/** A FIFO with O(1) push and shift (Array#shift copies on long arrays). */
class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

interface TenantState<T> {
  /** Keys with waiting work, in turn order. */
  keys: Map<string, Queue<T>>;
  inFlight: number;
  waiting: number;
}

export class FairScheduler<T> {
  private readonly limits: SchedulerLimits;
  /** Tenants with waiting work or work in flight, in turn order. */
  private readonly tenants = new Map<string, TenantState<T>>();
  private readonly inFlightByKey = new Map<string, number>();
  private readonly tenantOfKey = new Map<string, string>();
  private inFlightTotal = 0;
  private waitingTotal = 0;

  constructor(limits: SchedulerLimits) {
    this.limits = limits;
  }

  get inFlight(): number {
    return this.inFlightTotal;
  }

  get waiting(): number {
    return this.waitingTotal;
  }

  /** Every tenant holding work, with how much (waiting plus in flight). */
  *holding(): IterableIterator<[string, number]> {
    for (const [tenant, t] of this.tenants)
      if (t.waiting + t.inFlight > 0) yield [tenant, t.waiting + t.inFlight];
  }

  /** Every key (hook) holding work, with how much (waiting plus in flight). */
  *holdingByKey(): IterableIterator<[string, number]> {
    for (const t of this.tenants.values())
      for (const [key, q] of t.keys) {
        const held = q.length + this.inFlightOf(key);
        if (held > 0) yield [key, held];
      }
    for (const [key, n] of this.inFlightByKey)
      if (n > 0 && !this.tenants.get(this.tenantOfKey.get(key) ?? '')?.keys.has(key)) yield [key, n];
  }

  /** Whether another key of `key`'s tenant (or of `tenant`, for a key not held yet) holds work. */
  othersHolding(key: string, tenant = this.tenantOfKey.get(key)): boolean {
    if (tenant === undefined) return false;
    const t = this.tenants.get(tenant);
    if (t) for (const k of t.keys.keys()) if (k !== key) return true;
    for (const [k, n] of this.inFlightByKey)
      if (n > 0 && k !== key && this.tenantOfKey.get(k) === tenant) return true;
    return false;
  }

  /** Held for one key (a hook): waiting plus in flight. */
  heldByKey(key: string): number {
    const tenant = this.tenantOfKey.get(key);
    const waiting = tenant === undefined ? 0 : (this.tenants.get(tenant)?.keys.get(key)?.length ?? 0);
    return waiting + this.inFlightOf(key);
  }

  /** Held by a tenant: waiting plus in flight. */
  heldBy(tenant: string): number {
    const t = this.tenants.get(tenant);
    return t ? t.waiting + t.inFlight : 0;
  }

  inFlightOf(key: string): number {
    return this.inFlightByKey.get(key) ?? 0;
  }

  tenantInFlight(tenant: string): number {
    return this.tenants.get(tenant)?.inFlight ?? 0;
  }

  add(tenant: string, key: string, item: T): void {
    let t = this.tenants.get(tenant);
    if (!t) {
      t = { keys: new Map(), inFlight: 0, waiting: 0 };
      this.tenants.set(tenant, t);
    }
    let q = t.keys.get(key);
    if (!q) {
      q = new Queue();
      t.keys.set(key, q);
    }
    q.push(item);
    t.waiting++;
    this.waitingTotal++;
    this.tenantOfKey.set(key, tenant);
  }

  /**
   * The next item to start, or null when nothing may start now. The caller must call
   * `finished(tenant, key)` when it is done.
   */
  next(): Picked<T> | null {
    if (this.inFlightTotal >= this.limits.globalCap || this.waitingTotal === 0) return null;
    for (const [tenant, t] of this.tenants) {
      if (t.waiting === 0 || t.inFlight >= this.limits.tenantCap) continue;
      for (const [key, q] of t.keys) {
        if (this.inFlightOf(key) >= this.limits.keyCap(key)) continue;
        const item = q.shift()!;
        t.waiting--;
        this.waitingTotal--;
        t.inFlight++;
        this.inFlightTotal++;
        this.inFlightByKey.set(key, this.inFlightOf(key) + 1);
        // Served: to the back of both rings.
        t.keys.delete(key);
        if (q.length > 0) t.keys.set(key, q);
        this.tenants.delete(tenant);
        this.tenants.set(tenant, t);
        return { tenant, key, item };
      }
    }
    return null;
  }

  finished(tenant: string, key: string): void {
    const t = this.tenants.get(tenant);
    if (t) {
      t.inFlight--;
      if (t.inFlight === 0 && t.waiting === 0) this.tenants.delete(tenant);
    }
    this.inFlightTotal--;
    const n = this.inFlightOf(key) - 1;
    if (n <= 0) {
      this.inFlightByKey.delete(key);
      if (!this.hasWaiting(key)) this.tenantOfKey.delete(key);
    } else this.inFlightByKey.set(key, n);
  }

  private hasWaiting(key: string): boolean {
    const tenant = this.tenantOfKey.get(key);
    return tenant !== undefined && (this.tenants.get(tenant)?.keys.has(key) ?? false);
  }

  /** Takes every waiting (not started) item of a key out, e.g. when its hook changed. */
  remove(key: string): T[] {
    const tenant = this.tenantOfKey.get(key);
    if (tenant === undefined) return [];
    const t = this.tenants.get(tenant);
    const q = t?.keys.get(key);
    if (!t || !q) return [];
    const items = q.drain();
    t.keys.delete(key);
    t.waiting -= items.length;
    this.waitingTotal -= items.length;
    if (t.inFlight === 0 && t.waiting === 0) this.tenants.delete(tenant);
    if (!this.inFlightByKey.has(key)) this.tenantOfKey.delete(key);
    return items;
  }

  /** Takes every waiting item out (shutdown). */
  removeAll(): T[] {
    const out: T[] = [];
    for (const t of [...this.tenants.values()])
      for (const key of [...t.keys.keys()]) out.push(...this.remove(key));
    return out;
  }
}
