/**
 * The site monitor scheduler: in every worker process, a loop that finds monitors whose
 * current slot (`floor(now / interval)`, see domain/monitors.ts) is unclaimed and claims it in
 * the database; the run engine then drives the claimed slot (slots.ts), which queues its pages.
 *
 * Durability comes from the store, not from this loop:
 * - a slot is claimed by inserting the unique (site, slot) row, queued, in the transaction that
 *   moves the site's last slot forward, so with any number of workers a slot is claimed once;
 * - only the current slot is ever claimed, so after downtime the missed slots run once (the
 *   latest), not once each;
 * - a worker killed between claiming and queuing the pages leaves the slot row open: it is a
 *   leased run like any other, driven again by another worker or the restarted one, and its
 *   pages' runs are unique per slot, so they happen once.
 */
import { slotToClaim } from '../domain/monitors.ts';
import type { Logger } from '../log.ts';
import type { DueMonitor, MonitorStore } from '../store/monitors.ts';

export interface SchedulerOptions {
  monitors: Pick<MonitorStore, 'dueMonitors' | 'claimSlot'>;
  log: Logger;
  /** Names this worker in claimed slots (`claimed_by`). */
  owner: string;
  tickMs: number;
  /** Slots were claimed: the slot engine should look now. */
  claimed: () => void;
  /** Monitors looked at per tick. */
  batch?: number;
  now?: () => number;
}

export class MonitorScheduler {
  readonly #o: SchedulerOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  #stopped = true;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#ticking;
  }

  /** One pass: claims every due slot. Returns how many slots this worker claimed. */
  async tick(): Promise<number> {
    const now = this.#now();
    const due = await this.#o.monitors.dueMonitors(now, this.#o.batch ?? 100);
    let claimed = 0;
    for (const m of due) if (await this.#claim(m, now)) claimed++;
    if (claimed > 0) this.#o.claimed();
    return claimed;
  }

  #schedule(delay: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.tick()
        .then(
          () => undefined,
          (err: unknown) => this.#o.log.error({ err }, 'site monitor tick failed'),
        )
        .finally(() => {
          this.#ticking = null;
          this.#schedule(this.#o.tickMs);
        });
    }, delay);
    this.#timer.unref();
  }

  async #claim(m: DueMonitor, now: number): Promise<boolean> {
    const intervalSec = m.settings.intervalSec;
    if (intervalSec === null) return false;
    const slot = slotToClaim(now, intervalSec, m.lastSlot);
    if (slot === null) return false;
    // Null: another worker has it, or the monitor changed meanwhile.
    const claimed = await this.#o.monitors.claimSlot({
      siteId: m.site.id,
      slot,
      intervalSec,
      owner: this.#o.owner,
      now,
    });
    return claimed !== null;
  }
}
