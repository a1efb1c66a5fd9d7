/**
 * The site monitor scheduler: in every worker process, a loop that finds monitors whose
 * current slot (`floor(now / interval)`, see domain/monitors.ts) is unclaimed, claims it in
 * the database and enqueues one Tenon test run per page through the test-run service.
 *
 * Durability comes from the store, not from this loop:
 * - a slot is claimed by inserting the unique (site, slot) row in the transaction that moves
 *   the site's last slot forward, so with any number of workers a slot runs at most once;
 * - only the current slot is ever claimed, so after downtime the missed slots run once (the
 *   latest), not once each;
 * - a worker killed between claiming and enqueuing loses that slot (at most once, never
 *   twice): the slot row stays without `finished_at`, and the next slot runs as usual.
 */
import { monitorPages, slotToClaim } from '../domain/monitors.ts';
import type { Logger } from '../log.ts';
import type { DueMonitor, MonitorStore } from '../store/monitors.ts';
import type { StartTestRun } from '../services/testruns.ts';

/** The one thing the scheduler needs of the test-run service. */
export interface RunEnqueuer {
  enqueue(input: StartTestRun): Promise<{ responseID: string }>;
}

export interface SlotRun {
  tenantId: string;
  siteKey: string;
  slot: number;
  responseIDs: string[];
  error: string | null;
}

export interface SchedulerOptions {
  monitors: MonitorStore;
  testRuns: RunEnqueuer;
  log: Logger;
  /** Names this worker in claimed slots (`claimed_by`). */
  owner: string;
  tickMs: number;
  /** Monitors looked at per tick. */
  batch?: number;
  now?: () => number;
  /** Called after each slot this scheduler ran (for tests and metrics). */
  onSlot?: (run: SlotRun) => void;
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

  /** Stops the loop and waits for a tick in progress (its enqueues finish). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#ticking;
  }

  /** One pass: claims and runs every due slot. Returns how many slots this worker ran. */
  async tick(): Promise<number> {
    const now = this.#now();
    const due = await this.#o.monitors.dueMonitors(now, this.#o.batch ?? 100);
    let ran = 0;
    for (const m of due) {
      if (await this.#runSlot(m, now)) ran++;
    }
    return ran;
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

  async #runSlot(m: DueMonitor, now: number): Promise<boolean> {
    const intervalSec = m.settings.intervalSec;
    if (intervalSec === null) return false;
    const slot = slotToClaim(now, intervalSec, m.lastSlot);
    if (slot === null) return false;
    const claimed = await this.#o.monitors.claimSlot({
      siteId: m.site.id,
      slot,
      intervalSec,
      owner: this.#o.owner,
      now,
    });
    if (!claimed) return false; // another worker has it, or the monitor changed meanwhile
    const { site, settings } = claimed;
    const responseIDs: string[] = [];
    const errors: string[] = [];
    for (const url of monitorPages(site.siteUrl, settings.paths)) {
      try {
        const { responseID } = await this.#o.testRuns.enqueue({
          tenantId: site.tenantId,
          fields: {
            url,
            projectID: site.projectID,
            level: settings.level,
            certainty: settings.certainty,
            priority: settings.priority,
          },
          source: { kind: 'monitor', siteKey: site.siteKey, slot },
        });
        responseIDs.push(responseID);
      } catch (err) {
        // One page that cannot be queued does not keep the others from being tested.
        errors.push(`${url}: ${(err as Error).message}`);
        this.#o.log.warn(
          { err, siteKey: site.siteKey, slot, url },
          'site monitor could not enqueue a test run',
        );
      }
    }
    const error = errors.length > 0 ? errors.join('; ') : null;
    await this.#o.monitors.finishSlot(site.id, slot, { responseIDs, error, now: this.#now() });
    this.#o.onSlot?.({ tenantId: site.tenantId, siteKey: site.siteKey, slot, responseIDs, error });
    return true;
  }
}
