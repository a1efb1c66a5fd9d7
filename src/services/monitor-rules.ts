/**
 * Validation of a site monitor's schedule, pages and Tenon thresholds. Each failure names its
 * field (`path`), so the API's 400 and the console form both point at it.
 */
import { parseCrawl } from '../domain/crawl.ts';
import { HeraldError } from '../domain/errors.ts';
import {
  MAX_INTERVAL_SEC,
  MAX_MONITOR_PATHS,
  TENON_LEVELS,
  type MonitorSettings,
  type TenonLevel,
} from '../domain/monitors.ts';

/** The monitor fields a client may send with a site; any left out keep their value. */
export interface MonitorInput {
  /** Seconds between runs, or null for a site that is not scheduled. */
  intervalSec?: number | null;
  paths?: string[];
  level?: string;
  certainty?: number;
  priority?: number;
  paused?: boolean;
  /** Crawl settings (defaults filled in), or null for siteUrl + paths. */
  crawl?: unknown;
  loginTraceId?: string | null;
  /** Replaces every login parameter; null or {} removes them. */
  loginParameters?: Record<string, string> | null;
}

/** Login parameters are stored and sent to a browser: bounded like hook credentials. */
export const MAX_LOGIN_PARAMETERS = 20;
export const MAX_LOGIN_PARAMETER_LENGTH = 1000;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function checkLoginParameters(v: Record<string, string> | null): Record<string, string> {
  if (v === null) return {};
  const entries = Object.entries(v);
  if (entries.length > MAX_LOGIN_PARAMETERS)
    throw invalid('/loginParameters', `must have at most ${MAX_LOGIN_PARAMETERS} parameters`);
  for (const [name, value] of entries) {
    if (!PARAMETER_NAME.test(name))
      throw invalid(
        `/loginParameters/${name}`,
        'must be named like a ${placeholder}: a letter or _, then letters, digits, _ . -',
      );
    if (typeof value !== 'string' || value.length > MAX_LOGIN_PARAMETER_LENGTH)
      throw invalid(
        `/loginParameters/${name}`,
        `must be a string of at most ${MAX_LOGIN_PARAMETER_LENGTH} characters`,
      );
  }
  return Object.fromEntries(entries);
}

const invalid = (path: string, message: string) =>
  new HeraldError('VALIDATION_FAILED', `${path.slice(1)} ${message}`, [{ path, message }]);

function checkInterval(v: number | null, minSec: number): number | null {
  if (v === null) return null;
  if (!Number.isInteger(v) || v < minSec || v > MAX_INTERVAL_SEC)
    throw invalid('/intervalSec', `must be a whole number of seconds from ${minSec} to ${MAX_INTERVAL_SEC}`);
  return v;
}

function checkPaths(paths: string[]): string[] {
  if (paths.length > MAX_MONITOR_PATHS)
    throw invalid('/paths', `must list at most ${MAX_MONITOR_PATHS} paths`);
  const out: string[] = [];
  paths.forEach((raw, i) => {
    const p = raw.trim();
    // A path, not a URL: every page tested stays on the site's own origin.
    if (!p.startsWith('/') || p.startsWith('//') || /\s/.test(p) || p.length > 2000)
      throw invalid(`/paths/${i}`, 'must be a path starting with a single "/" and without spaces');
    if (!out.includes(p)) out.push(p);
  });
  return out;
}

function checkThreshold(v: number, name: 'certainty' | 'priority'): number {
  if (!Number.isInteger(v) || v < 0 || v > 100)
    throw invalid(`/${name}`, 'must be a whole number from 0 to 100');
  return v;
}

function checkLevel(v: string): TenonLevel {
  if (!(TENON_LEVELS as readonly string[]).includes(v)) throw invalid('/level', 'must be A, AA or AAA');
  return v as TenonLevel;
}

/** `current` with the fields of `input` applied, all checked. */
export function applyMonitorInput(
  current: MonitorSettings,
  input: MonitorInput,
  minSec: number,
): MonitorSettings {
  return {
    intervalSec:
      input.intervalSec !== undefined ? checkInterval(input.intervalSec, minSec) : current.intervalSec,
    paths: input.paths !== undefined ? checkPaths(input.paths) : current.paths,
    level: input.level !== undefined ? checkLevel(input.level) : current.level,
    certainty:
      input.certainty !== undefined ? checkThreshold(input.certainty, 'certainty') : current.certainty,
    priority: input.priority !== undefined ? checkThreshold(input.priority, 'priority') : current.priority,
    paused: input.paused ?? current.paused,
    crawl: input.crawl !== undefined ? parseCrawl(input.crawl) : current.crawl,
    loginTraceId: input.loginTraceId !== undefined ? input.loginTraceId : current.loginTraceId,
    loginParameters:
      input.loginParameters !== undefined
        ? checkLoginParameters(input.loginParameters)
        : current.loginParameters,
  };
}

export const hasMonitorInput = (input: MonitorInput): boolean =>
  (
    [
      'intervalSec',
      'paths',
      'level',
      'certainty',
      'priority',
      'paused',
      'crawl',
      'loginTraceId',
      'loginParameters',
    ] as const
  ).some((k) => input[k] !== undefined);
