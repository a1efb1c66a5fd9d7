/**
 * Slows password guessing. Each sign-in attempt is counted *before* its password is checked
 * (`reserve`), so a burst of concurrent wrong passwords cannot all slip in while the first
 * scrypt hashes run; a success gives its reservation back. After `limit` attempts for one
 * email, or many from one client address, within the window, sign-in is refused until the
 * oldest ages out.
 *
 * In memory, per process, and bounded: each of the two tables (emails, addresses) holds at
 * most `cap` entries. When full, the least recently used entry that is *not* under penalty is
 * dropped, so an attacker who rotates through many addresses (or emails) only pushes out
 * their own one-attempt entries, never the counter that is holding an email locked.
 */
export interface ThrottleOptions {
  windowMs: number;
  emailLimit: number;
  ipLimit: number;
  /** Entries per table. */
  cap: number;
}

const DEFAULTS: ThrottleOptions = { windowMs: 15 * 60_000, emailLimit: 10, ipLimit: 100, cap: 10_000 };

class Table {
  readonly #entries = new Map<string, number[]>();
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #cap: number;

  constructor(limit: number, windowMs: number, cap: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#cap = cap;
  }

  get size(): number {
    return this.#entries.size;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#entries.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    if (list.length === 0) this.#entries.delete(key);
    return list;
  }

  /** Milliseconds until `key` may try again; 0 when it may now. */
  waitMs(key: string, now: number): number {
    const list = this.#recent(key, now);
    if (list.length < this.#limit) return 0;
    return list[list.length - this.#limit]! + this.#windowMs - now;
  }

  add(key: string, now: number): void {
    // Only the last `limit` attempts matter; the list stays short whatever an attacker sends.
    const list = [...this.#recent(key, now), now].slice(-this.#limit);
    this.#entries.delete(key); // re-inserted last: Map order is the LRU order
    this.#entries.set(key, list);
    if (this.#entries.size > this.#cap) this.#evict(now);
  }

  remove(key: string, at: number): void {
    const list = this.#entries.get(key);
    if (!list) return;
    const i = list.lastIndexOf(at);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.#entries.delete(key);
  }

  clear(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops the least recently used entry not under penalty (looking at the oldest few hundred). */
  #evict(now: number): void {
    let scanned = 0;
    let oldest: string | undefined;
    for (const key of this.#entries.keys()) {
      oldest ??= key;
      if (this.waitMs(key, now) === 0) {
        this.#entries.delete(key);
        return;
      }
      if (++scanned >= 256) break;
    }
    // Every entry looked at is locked: the table is full of penalties, drop the oldest of them.
    if (oldest !== undefined) this.#entries.delete(oldest);
  }
}

export class LoginThrottle {
  readonly #emails: Table;
  readonly #ips: Table;

  constructor(opts: Partial<ThrottleOptions> = {}) {
    const o = { ...DEFAULTS, ...opts };
    this.#emails = new Table(o.emailLimit, o.windowMs, o.cap);
    this.#ips = new Table(o.ipLimit, o.windowMs, o.cap);
  }

  /** Entries held, for tests of the bound. */
  get size(): { emails: number; ips: number } {
    return { emails: this.#emails.size, ips: this.#ips.size };
  }

  /**
   * Counts an attempt now, before the password is checked. Returns `{ waitMs }` > 0 when the
   * attempt is refused (nothing is counted then), else a ticket to hand to `succeeded`.
   */
  reserve(email: string, ip: string, now = Date.now()): { waitMs: number; at: number } {
    const waitMs = Math.max(this.#emails.waitMs(email, now), this.#ips.waitMs(ip, now));
    if (waitMs > 0) return { waitMs, at: now };
    this.#emails.add(email, now);
    this.#ips.add(ip, now);
    return { waitMs: 0, at: now };
  }

  /** The password was right: the email starts afresh, and the address gets its attempt back. */
  succeeded(email: string, ip: string, at: number): void {
    this.#emails.clear(email);
    this.#ips.remove(ip, at);
  }
}
