import { slotIntervalUs, slotsBefore } from '../domain/rate-limit.ts';
import type { Store } from '../store/store.ts';

interface Waiter {
  resolve: (admitted: boolean) => void;
  /** Already given up one late slot: the next is taken however late (so a high rate, whose
   * slots are always behind a round trip, cannot loop). */
  retried?: boolean;
}

/**
 * Admission for rate-limited hooks: before a delivery of a hook with `rateLimit` is sent, it
 * waits here for a send slot reserved in the database (store.reserveRateSlots), so the limit
 * holds across every worker sharing it. Deliveries of one hook that ask in the same tick share
 * one reservation. Hooks without a limit never come here.
 *
 * A reservation the database refuses (it is away) admits nothing: the deliveries go back and
 * are claimed again, rather than sent past the limit.
 */
export class RateGate {
  private readonly store: Pick<Store, 'reserveRateSlots'>;
  private readonly asking = new Map<string, { rate: number; waiters: Waiter[] }>();
  private readonly timers = new Map<NodeJS.Timeout, Waiter>();
  private closed = false;

  constructor(store: Pick<Store, 'reserveRateSlots'>) {
    this.store = store;
  }

  /** Resolves true at the delivery's slot, or false when no slot could be reserved. */
  admit(hookId: string, rate: number, retried = false): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const batch = this.asking.get(hookId);
      if (batch) {
        batch.waiters.push({ resolve, retried });
        return;
      }
      this.asking.set(hookId, { rate, waiters: [{ resolve, retried }] });
      queueMicrotask(() => void this.reserve(hookId));
    });
  }

  private async reserve(hookId: string): Promise<void> {
    const batch = this.asking.get(hookId)!;
    this.asking.delete(hookId);
    const n = batch.waiters.length;
    const interval = slotIntervalUs(batch.rate);
    let nextAtUs: number;
    try {
      nextAtUs = await this.store.reserveRateSlots(hookId, Date.now() * 1000, n, interval);
    } catch {
      for (const w of batch.waiters) w.resolve(false);
      return;
    }
    const late = (w: Waiter) => void this.admit(hookId, batch.rate, true).then(w.resolve);
    slotsBefore(nextAtUs, n, interval).forEach((slotUs, i) =>
      this.at(slotUs / 1000, interval / 1000, batch.waiters[i]!, late),
    );
  }

  /**
   * Admits `w` at `ms`. A timer that fires more than half a slot late (a busy event loop, a
   * slow reservation) would send together with the next slot's delivery, bunching requests past
   * the limit: that slot is given up and a new one reserved instead (once; 5 ms of lateness are
   * always tolerated, or a high rate's slots, always behind a round trip, would all be redone).
   */
  private at(ms: number, intervalMs: number, w: Waiter, late: (w: Waiter) => void): void {
    if (this.closed) return w.resolve(false);
    const fire = () => {
      if (this.closed) w.resolve(false);
      else if (!w.retried && Date.now() - ms > Math.max(intervalMs / 2, 5)) late(w);
      else w.resolve(true);
    };
    const wait = ms - Date.now();
    if (wait <= 0) return fire();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fire();
    }, Math.ceil(wait));
    this.timers.set(timer, w);
  }

  /** Stop: deliveries waiting for a slot are given back at once. */
  close(): void {
    this.closed = true;
    for (const [t, w] of this.timers) {
      clearTimeout(t);
      w.resolve(false);
    }
    this.timers.clear();
  }
}
