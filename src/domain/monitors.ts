/**
 * Site monitors: the schedule and Tenon settings a site is tested with, and the pure slot
 * arithmetic the scheduler runs on. Time is cut into slots of the monitor's interval counted
 * from the Unix epoch (`slot = floor(now / interval)`), so every worker computes the same
 * slot for the same moment without talking to the others, and the database only has to make
 * sure one (site, slot) pair is claimed once.
 */
import type { Site } from './builds.ts';
import type { CrawlSettings } from './crawl.ts';

export type TenonLevel = 'A' | 'AA' | 'AAA';
export const TENON_LEVELS: readonly TenonLevel[] = ['A', 'AA', 'AAA'];

/** Named schedules the console offers; any whole number of seconds is allowed. */
export const HOURLY_SEC = 3600;
export const DAILY_SEC = 86_400;
/** The longest interval: a week. The shortest comes from config (monitorMinIntervalSec). */
export const MAX_INTERVAL_SEC = 7 * DAILY_SEC;
export const MAX_MONITOR_PATHS = 20;

export interface MonitorSettings {
  /** Seconds between runs; null means the site is not scheduled (a record only). */
  intervalSec: number | null;
  /** Paths tested besides the site URL itself, each starting with "/". */
  paths: string[];
  level: TenonLevel;
  /** Minimum Tenon certainty and priority (0–100) of the issues reported. */
  certainty: number;
  priority: number;
  paused: boolean;
  /** Discover the pages by crawling from the site URL; null tests siteUrl + paths. */
  crawl: CrawlSettings | null;
  /** A trace of the site's project that signs in before the pages are tested; null: none. */
  loginTraceId: string | null;
  /** The login trace's `${name}` values. Write-only: reads show only the names. */
  loginParameters: Record<string, string>;
}

export const DEFAULT_MONITOR: MonitorSettings = {
  intervalSec: null,
  paths: [],
  level: 'AAA',
  certainty: 0,
  priority: 0,
  paused: false,
  crawl: null,
  loginTraceId: null,
  loginParameters: {},
};

/** A site with its monitor settings. Event data stays the seed's five site fields. */
export interface MonitoredSite extends Site {
  monitor: MonitorSettings;
  /** The newest claimed slot (its status and error); read on a single site's read only. */
  lastSlot?: MonitorSlot | null;
}

/** A claimed slot: when it ran, and the test runs (responseIDs) it enqueued. */
export interface MonitorSlot {
  id: string;
  siteId: string;
  slot: number;
  intervalSec: number;
  claimedBy: string;
  claimedAt: number;
  /** queued (claimed), running (a worker queues its pages), done or failed. */
  status: 'queued' | 'running' | 'done' | 'failed';
  attempts: number;
  /** When every page was handed to the test-run queue (or gave up); null while enqueuing. */
  finishedAt: number | null;
  responseIDs: string[];
  error: string | null;
  /** When the slot's findings were applied to the tracked issues (all its pages tested); null before. */
  issuesAppliedAt: number | null;
  /** Issues open once the slot was applied (the trend of open issues); null before. */
  openIssues: number | null;
}

export const slotOf = (now: number, intervalSec: number): number => Math.floor(now / (intervalSec * 1000));

export const slotStart = (slot: number, intervalSec: number): number => slot * intervalSec * 1000;

/**
 * The one slot a scheduler should claim now, or null. Only the current slot is ever claimed:
 * after downtime the slots missed in between are skipped, so a monitor catches up once.
 */
export function slotToClaim(now: number, intervalSec: number, lastSlot: number | null): number | null {
  const current = slotOf(now, intervalSec);
  return lastSlot === null || lastSlot < current ? current : null;
}

/**
 * When the monitor runs next: at once when the current slot is still unclaimed, else at the
 * start of the next slot. Null for a paused or unscheduled monitor.
 */
export function nextRunAt(now: number, m: MonitorSettings, lastSlot: number | null): number | null {
  if (m.intervalSec === null || m.paused) return null;
  const claim = slotToClaim(now, m.intervalSec, lastSlot);
  return claim !== null ? now : slotStart(slotOf(now, m.intervalSec) + 1, m.intervalSec);
}

/** The pages a run tests: the site URL, then each path resolved against it. */
export function monitorPages(siteUrl: string, paths: readonly string[]): string[] {
  const pages = [siteUrl, ...paths.map((p) => new URL(p, siteUrl).toString())];
  return [...new Set(pages)];
}

/** "every 5 minutes", "hourly", "daily", "every 90 seconds". */
export function describeInterval(intervalSec: number | null): string {
  if (intervalSec === null) return 'not scheduled';
  if (intervalSec === HOURLY_SEC) return 'hourly';
  if (intervalSec === DAILY_SEC) return 'daily';
  const unit = (n: number, word: string) => `every ${n === 1 ? '' : `${n} `}${word}${n === 1 ? '' : 's'}`;
  if (intervalSec % DAILY_SEC === 0) return unit(intervalSec / DAILY_SEC, 'day');
  if (intervalSec % HOURLY_SEC === 0) return unit(intervalSec / HOURLY_SEC, 'hour');
  if (intervalSec % 60 === 0) return unit(intervalSec / 60, 'minute');
  return unit(intervalSec, 'second');
}

/** One issue of a test run, as much as the monitor page shows. */
export interface MonitorIssue {
  signature: string;
  errorTitle: string;
  xpath: string;
}

/** A test run a monitor slot produced (read from the test-run store). */
export interface MonitorRun {
  responseID: string;
  url: string;
  /** The slot that enqueued it. */
  slot: number;
  startedAt: number;
  /** `queued`, `running`, `done` or `failed`, as the test-run store says. */
  status: string;
  /** Null until the run is done. */
  errors: number | null;
  warnings: number | null;
  issues: MonitorIssue[];
}

/** What one slot's runs found, all pages together. */
export interface SlotResult {
  slot: number;
  startedAt: number;
  errors: number;
  /** Whether every page's run is done (only finished slots are compared). */
  done: boolean;
  issues: Map<string, MonitorIssue & { url: string }>;
}

/** Runs grouped by slot, newest first. An issue is keyed by its page and signature. */
export function slotResults(runs: readonly MonitorRun[]): SlotResult[] {
  const bySlot = new Map<number, SlotResult>();
  for (const run of runs) {
    const r = bySlot.get(run.slot) ?? {
      slot: run.slot,
      startedAt: run.startedAt,
      errors: 0,
      done: true,
      issues: new Map(),
    };
    r.startedAt = Math.min(r.startedAt, run.startedAt);
    r.errors += run.errors ?? 0;
    r.done &&= run.status === 'done';
    for (const issue of run.issues) r.issues.set(`${run.url} ${issue.signature}`, { ...issue, url: run.url });
    bySlot.set(run.slot, r);
  }
  return [...bySlot.values()].sort((a, b) => b.slot - a.slot);
}

/** New and fixed issues of the latest finished slot against the finished one before it. */
export function issueChanges(results: readonly SlotResult[]): {
  latest: SlotResult | null;
  previous: SlotResult | null;
  added: Array<MonitorIssue & { url: string }>;
  fixed: Array<MonitorIssue & { url: string }>;
} {
  const [latest = null, previous = null] = results.filter((r) => r.done);
  if (!latest || !previous) return { latest, previous, added: [], fixed: [] };
  const added = [...latest.issues].filter(([k]) => !previous.issues.has(k)).map(([, v]) => v);
  const fixed = [...previous.issues].filter(([k]) => !latest.issues.has(k)).map(([, v]) => v);
  return { latest, previous, added, fixed };
}
