/**
 * Monitor slots as a kind of run-engine work (src/runs/): the scheduler (scheduler.ts) claims a
 * due slot, which inserts it queued; the engine leases it and runs `driveSlot`, which queues
 * one Tenon test run per page. A worker killed between claiming and queuing leaves the slot
 * open, and another worker (or the restarted one) drives it again. The pages' runs are unique
 * per (site, slot, page) in the test-run store, so a slot driven twice still runs each page
 * once.
 */
import { HeraldError } from '../domain/errors.ts';
import { monitorPages } from '../domain/monitors.ts';
import type { RunEnqueuer } from '../domain/testruns.ts';
import type { Logger } from '../log.ts';
import type { RunKind } from '../runs/kind.ts';
import type { DueMonitor, LeasedSlot, MonitorStore, SlotOutcome } from '../store/monitors.ts';

export interface SlotRun {
  tenantId: string;
  siteKey: string;
  slot: number;
  responseIDs: string[];
  error: string | null;
}

export interface SlotKindPorts {
  monitors: MonitorStore;
  testRuns: RunEnqueuer;
  log: Logger;
  /** Called after each slot this worker drove (for tests and metrics). */
  onSlot?: (run: SlotRun) => void;
}

/**
 * What a slot does: queue one test run per page of the monitor, with its thresholds. The one
 * function to extend when a slot first discovers its pages (a crawl) or signs in: do it here,
 * before the pages are queued; it runs under the slot's lease, and again if the worker dies.
 */
export async function driveSlot(p: SlotKindPorts, monitor: DueMonitor, slot: number): Promise<SlotOutcome> {
  const { site, settings } = monitor;
  const responseIDs: string[] = [];
  const errors: string[] = [];
  for (const url of monitorPages(site.siteUrl, settings.paths)) {
    try {
      const { responseID } = await p.testRuns.enqueue({
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
      // The database is away: the slot stays leased and is driven again (queued pages stay
      // unique), rather than finishing without the pages it could not queue.
      if (err instanceof HeraldError && err.code === 'SERVICE_UNAVAILABLE') throw err;
      // One page that cannot be queued does not keep the others from being tested.
      errors.push(`${url}: ${(err as Error).message}`);
      p.log.warn({ err, siteKey: site.siteKey, slot, url }, 'site monitor could not enqueue a test run');
    }
  }
  return {
    status: 'done',
    responseIDs,
    error: errors.length > 0 ? errors.join('; ') : null,
    now: Date.now(),
  };
}

interface Driven {
  outcome: SlotOutcome;
  siteKey: string | null;
}

export function slotRunKind(p: SlotKindPorts): RunKind<LeasedSlot, Driven, Driven> {
  return {
    name: 'slot',
    table: 'monitor_slots',
    claim: (opts) => p.monitors.claimSlotRuns(opts),
    idOf: (s) => s.id,
    tenantOf: (s) => s.tenantId,
    attemptsOf: (s) => s.attempts,
    deadlineOf: () => null,
    async execute(s) {
      const monitor = await p.monitors.monitorOf(s.siteId);
      if (!monitor) {
        const outcome: SlotOutcome = {
          status: 'failed',
          responseIDs: [],
          error: 'the site was deleted',
          now: Date.now(),
        };
        return { outcome, siteKey: null };
      }
      return { outcome: await driveSlot(p, monitor, s.slot), siteKey: monitor.site.siteKey };
    },
    statusOf: (d) => d.outcome.status,
    givenUp: (_s, interruptions) => ({
      outcome: {
        status: 'failed',
        responseIDs: [],
        error: `the slot was interrupted ${interruptions} times (its worker stopped or died) and was given up`,
        now: Date.now(),
      },
      siteKey: null,
    }),
    finish: async (owner, s, driven) =>
      (await p.monitors.finishSlot(owner, s.id, driven.outcome)) ? driven : null,
    async announce(s, { outcome, siteKey }) {
      if (siteKey === null) return;
      p.onSlot?.({
        tenantId: s.tenantId,
        siteKey,
        slot: s.slot,
        responseIDs: outcome.responseIDs,
        error: outcome.error,
      });
    },
  };
}
