import { leavesOut, type ClaimPlan } from './admission.ts';

/** Polls between claims that leave someone out with no wake for them. */
export const LEAVE_OUT_RESCAN = 10;

/**
 * Whether the worker's loop makes a claim that leaves tenants or hooks out. Such a claim walks
 * every due row of theirs to find the others' (with a backlog of 300,000 of one tenant on
 * PostgreSQL, 0.5–0.9 s a claim that finds nothing). Room freed by a finished delivery is no sign
 * of others' work: a delivery finishing while a claim was under way wakes the loop, and the next
 * plan, made once that claim filled the tenant's share, leaves it out. Those claims took 85 % of
 * the claim loop's time in a drain. So a claim leaves someone out only after a wake that may
 * bring work (a notification, a publish, a timer, a release, a poll), room freed for a tenant and
 * key it takes, or once every LEAVE_OUT_RESCAN polls for work no wake announces (a dead owner's
 * leases, a lost notification) behind the left-out backlog. Claims that leave no one out are
 * always made.
 */
export class LeaveOutGate {
  readonly #rescanMs: number;
  /** Whether something may have made work due that only a claim leaving someone out would find. */
  #workSignalled = true;
  /** Scheduler key → tenant of the deliveries whose finishing woke the loop since the last claim. */
  readonly #roomFreed = new Map<string, string>();
  /** When the last claim that left someone out started. */
  #leftOutAt = -Infinity;

  constructor(pollIntervalMs: number) {
    this.#rescanMs = pollIntervalMs * LEAVE_OUT_RESCAN;
  }

  /** The worker starts at `now`: anything may be due. */
  started(now: number): void {
    this.#workSignalled = true;
    this.#leftOutAt = now;
  }

  /** A wake that may bring work (not room freed by a finished delivery), or a poll with none. */
  signalled(): void {
    this.#workSignalled = true;
  }

  /** A finished delivery of `tenant` to `key` freed room and woke the loop. */
  roomFreed(key: string, tenant: string): void {
    this.#roomFreed.set(key, tenant);
  }

  /** Whether to claim as `plan` says at `now`; if so, the claim is counted as made. */
  claim(plan: ClaimPlan, now: number): boolean {
    if (!this.#worthIt(plan, now)) return false;
    this.#workSignalled = false;
    this.#roomFreed.clear();
    if (leavesOut(plan)) this.#leftOutAt = now;
    return true;
  }

  #worthIt(plan: ClaimPlan, now: number): boolean {
    if (!leavesOut(plan) || this.#workSignalled) return true;
    // Room of a tenant and key the claim takes: their next work may be due behind the others'.
    for (const [key, tenant] of this.#roomFreed)
      if (!plan.excludeTenants.includes(tenant) && !plan.excludeHooks.includes(key)) return true;
    return now - this.#leftOutAt >= this.#rescanMs;
  }
}
