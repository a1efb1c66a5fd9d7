/**
 * Monitor slots as a kind of run-engine work (src/runs/): the scheduler (scheduler.ts) claims a
 * due slot, which inserts it queued; the engine leases it and runs `driveSlot`:
 *
 *   sign in (loginTraceId) → discover the pages (crawl, or siteUrl + paths) → queue one Tenon
 *   test run per page, carrying the signed-in session
 *
 * The page runs are the Tenon kind's (fair across tenants, at HERALD_TENON_CONCURRENCY); the
 * session travels in each run's stored request (sealed at rest) and is restored into the run's
 * own browser context. Once every page run of a done slot has ended, the sweep applies the
 * slot to the tracked issues (IssueService.applySlot, idempotent) and publishes their outbox.
 *
 * Faults: a worker killed anywhere leaves the slot open (driven again by another worker or the
 * restarted one: it signs in and discovers again, and the page runs are unique per (site, slot,
 * page), so a page queued before the kill is not queued twice) or its page runs open (leased
 * runs, taken over the same way); the sweep, in every worker, converges on the issues either
 * way. A failed sign-in fails the slot with its reason and announces site.updated with it.
 */
import type { Browser } from 'puppeteer-core';
import type { BrowserPool } from '../browsers/pool.ts';
import { siteData } from '../builds/views.ts';
import type { Site, Trace } from '../domain/builds.ts';
import { HeraldError } from '../domain/errors.ts';
import { monitorPages, type MonitorSettings } from '../domain/monitors.ts';
import type { RunEnqueuer } from '../domain/testruns.ts';
import type { Cidr } from '../network/policy.ts';
import type { Logger } from '../log.ts';
import type { RunKind } from '../runs/kind.ts';
import type { AnnouncePorts } from '../runs/ports.ts';
import type {
  DueMonitor,
  LeasedSlot,
  MonitorStore,
  SlotOutcome,
  UnannouncedFailure,
} from '../store/monitors.ts';
import { discoverPages } from './crawl.ts';
import { signIn, type Session } from './sign-in.ts';

export interface SlotRun {
  tenantId: string;
  siteKey: string;
  slot: number;
  responseIDs: string[];
  error: string | null;
}

/** What a slot needs of the tracked issues (IssueService). */
export interface SlotIssues {
  applySlot(tenantId: string, siteKey: string, slot: number): Promise<unknown>;
  announcePending(): Promise<number>;
}

/** The browser a slot signs in and crawls with: the worker's pool, behind the network policy. */
export interface SlotBrowsers {
  pool: Pick<BrowserPool, 'acquire' | 'release' | 'proxy'>;
  allowlist: readonly Cidr[];
  /** Each sign-in step's timeout (HERALD_BUILD_STEP_TIMEOUT_MS). */
  stepTimeoutMs: number;
}

export interface SlotKindPorts extends Partial<AnnouncePorts> {
  monitors: MonitorStore;
  testRuns: RunEnqueuer;
  log: Logger;
  /** Needed by sites that crawl or sign in; without it such a slot fails with why. */
  browsers?: SlotBrowsers;
  traces?: { getTrace(tenantId: string, id: string): Promise<Trace | null> };
  /** Applies finished slots to the tracked issues (the sweep); none: issues are not tracked. */
  issues?: SlotIssues;
  /** Called after each slot this worker drove (for tests and metrics). */
  onSlot?: (run: SlotRun) => void;
}

/** The sweep applies slots finished within this long (their page runs end far sooner). */
const APPLY_WINDOW_MS = 86_400_000;
const APPLY_BATCH = 20;
/** A failed slot not announced after this long lost its worker: the sweep announces it. */
const ANNOUNCE_GRACE_MS = 10_000;

type Pages = { ok: true; pages: string[]; session?: Session } | { ok: false; reason: string };

/**
 * What a slot does: find its pages (signing in first when the site has a login trace), then
 * queue one test run per page with the monitor's thresholds. It runs under the slot's lease,
 * and again if the worker dies.
 */
export async function driveSlot(p: SlotKindPorts, monitor: DueMonitor, slot: number): Promise<SlotOutcome> {
  const { site, settings } = monitor;
  const found: Pages =
    settings.crawl === null && settings.loginTraceId === null
      ? { ok: true, pages: monitorPages(site.siteUrl, settings.paths) }
      : await inBrowser(p, site, settings);
  if (!found.ok) return { status: 'failed', responseIDs: [], error: found.reason, now: Date.now() };
  const responseIDs: string[] = [];
  const errors: string[] = [];
  for (const url of found.pages) {
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
        ...(found.session && { session: found.session }),
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

/** Signs in and / or crawls in one fresh context of the pool's Chromium. */
async function inBrowser(p: SlotKindPorts, site: Site, settings: MonitorSettings): Promise<Pages> {
  if (!p.browsers) return { ok: false, reason: 'this worker has no browser to sign in or crawl with' };
  const { pool } = p.browsers;
  let browser: Browser;
  try {
    browser = await pool.acquire('chrome');
  } catch (err) {
    return { ok: false, reason: `no browser to sign in or crawl with: ${(err as Error).message}` };
  }
  try {
    const context = await browser.createBrowserContext();
    try {
      let session: Session | undefined;
      if (settings.loginTraceId !== null) {
        const signedIn = await signInFor(p, p.browsers, context, site, settings);
        if (!signedIn.ok) return signedIn;
        session = signedIn.session;
      }
      if (settings.crawl === null)
        return { ok: true, pages: monitorPages(site.siteUrl, settings.paths), ...(session && { session }) };
      let discovered;
      try {
        discovered = await discoverPages(context, site.siteUrl, settings.crawl);
      } catch (err) {
        return { ok: false, reason: `crawl failed: ${String((err as Error).message).split('\n')[0]}` };
      }
      return { ok: true, pages: discovered.pages.map((d) => d.url), ...(session && { session }) };
    } finally {
      await context.close().catch(() => undefined);
    }
  } finally {
    pool.release('chrome');
  }
}

async function signInFor(
  p: SlotKindPorts,
  browsers: SlotBrowsers,
  context: Parameters<typeof signIn>[0]['context'],
  site: Site,
  settings: MonitorSettings,
): Promise<{ ok: true; session: Session } | { ok: false; reason: string }> {
  const trace =
    settings.loginTraceId === null ? null : await p.traces?.getTrace(site.tenantId, settings.loginTraceId);
  if (!trace)
    return { ok: false, reason: `sign-in failed: the login trace ${settings.loginTraceId} no longer exists` };
  const proxy = await browsers.pool.proxy();
  const result = await signIn({
    context,
    steps: trace.steps,
    parameters: settings.loginParameters,
    baseUrl: site.siteUrl,
    step: {
      timeoutMs: browsers.stepTimeoutMs,
      allowlist: browsers.allowlist,
      refusals: () => proxy.refusals,
    },
  });
  return result.ok ? { ok: true, session: result.session } : result;
}

interface Driven {
  outcome: SlotOutcome;
  site: Site | null;
}

/** The slot's state as site.updated tells it when a slot fails (sign-in, crawl). */
export interface SlotState {
  slot: number;
  status: 'failed';
  error: string;
  finishedAt: number;
}

/**
 * site.updated with the failed slot, then the slot marked announced. A fixed eventID: announced
 * twice (a worker that died before marking it, then the sweep), it is committed once.
 */
async function announceFailure(p: SlotKindPorts, f: UnannouncedFailure): Promise<void> {
  if (!p.publisher) return;
  const lastSlot: SlotState = { slot: f.slot, status: 'failed', error: f.error, finishedAt: f.finishedAt };
  try {
    await p.publisher.publish(f.site.tenantId, [
      { event: 'site.updated', data: { ...siteData(f.site), lastSlot }, eventID: `slot-failed-${f.id}` },
    ]);
    await p.monitors.markSlotAnnounced(f.id, Date.now());
  } catch (err) {
    p.log.error(
      { err, siteKey: f.site.siteKey, slot: f.slot },
      'announcing a failed slot failed; the sweep will retry',
    );
  }
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
        return { outcome, site: null };
      }
      return { outcome: await driveSlot(p, monitor, s.slot), site: monitor.site };
    },
    statusOf: (d) => d.outcome.status,
    givenUp: (_s, interruptions) => ({
      outcome: {
        status: 'failed',
        responseIDs: [],
        error: `the slot was interrupted ${interruptions} times (its worker stopped or died) and was given up`,
        now: Date.now(),
      },
      site: null,
    }),
    finish: async (owner, s, driven) =>
      (await p.monitors.finishSlot(owner, s.id, driven.outcome)) ? driven : null,
    async announce(s, { outcome, site }) {
      if (site === null) return;
      if (outcome.status === 'failed' && outcome.error !== null)
        await announceFailure(p, {
          id: s.id,
          slot: s.slot,
          error: outcome.error,
          finishedAt: outcome.now,
          site,
        });
      p.onSlot?.({
        tenantId: s.tenantId,
        siteKey: site.siteKey,
        slot: s.slot,
        responseIDs: outcome.responseIDs,
        error: outcome.error,
      });
    },
    async sweep(now) {
      // Failures a worker recorded but died before announcing.
      if (p.publisher)
        for (const f of await p.monitors.unannouncedFailures(now - ANNOUNCE_GRACE_MS, APPLY_BATCH))
          await announceFailure(p, f);
      if (!p.issues) return;
      for (const ready of await p.monitors.appliableSlots(now - APPLY_WINDOW_MS, APPLY_BATCH)) {
        try {
          await p.issues.applySlot(ready.tenantId, ready.siteKey, ready.slot);
        } catch (err) {
          p.log.error({ err, ...ready }, 'applying a slot to its issues failed; the sweep will retry');
        }
      }
      await p.issues.announcePending();
    },
  };
}
