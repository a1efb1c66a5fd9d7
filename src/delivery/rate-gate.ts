import { slotIntervalUs, toleranceUs } from '../domain/rate-limit.ts';
import type { Store } from '../store/store.ts';

type Admit = (admitted: boolean) => void;

interface HookQueue {
  rate: number;
  waiters: Admit[];
}

/**
 * Admission for rate-limited hooks: before a delivery of a hook with `rateLimit` is sent, it
 * waits here until the database admits it (store.takeRateSlots, one GCRA decision at the time
 * of asking, for as many waiting sends as the tolerance lets go at once), so the limit holds across every worker sharing the database. A worker's
 * deliveries of one hook queue up here and one asks at a time, sleeping until the hook's next
 * free slot in between. Hooks without a limit never come here.
 *
 * A database that does not answer admits nothing: the waiting deliveries go back and are
 * claimed again, rather than sent past the limit.
 */
export class RateGate {
  private readonly store: Pick<Store, 'takeRateSlots'>;
  private readonly queues = new Map<string, HookQueue>();
  private readonly sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private closed = false;

  constructor(store: Pick<Store, 'takeRateSlots'>) {
    this.store = store;
  }

  /** Resolves true when the delivery may be sent, false when it must go back unsent. */
  admit(hookId: string, rate: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const q = this.queues.get(hookId);
      if (q) {
        q.rate = rate;
        q.waiters.push(resolve);
        return;
      }
      const fresh = { rate, waiters: [resolve] };
      this.queues.set(hookId, fresh);
      void this.run(hookId, fresh);
    });
  }

  private async run(hookId: string, q: HookQueue): Promise<void> {
    while (q.waiters.length > 0 && !this.closed) {
      const interval = slotIntervalUs(q.rate);
      let r: { granted: number; nextAtUs: number };
      try {
        r = await this.store.takeRateSlots(hookId, Date.now() * 1000, interval, q.waiters.length);
      } catch {
        break;
      }
      for (const admit of q.waiters.splice(0, r.granted)) admit(true);
      // Granted: the next waiter's slot is the new one; refused: this one's. Sleep until it is
      // within the tolerance, so the next question is likely answered yes.
      if (q.waiters.length > 0) await this.sleep((r.nextAtUs - toleranceUs(interval)) / 1000 - Date.now());
    }
    this.queues.delete(hookId);
    for (const w of q.waiters.splice(0)) w(false);
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleeping.delete(entry);
          resolve();
        }, Math.ceil(ms)),
        wake: resolve,
      };
      this.sleeping.add(entry);
    });
  }

  /** Stop: deliveries waiting for a slot are given back at once. */
  close(): void {
    this.closed = true;
    for (const s of this.sleeping) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleeping.clear();
  }
}
