/**
 * Runs Tenon engines over the ACT Rules snapshot (bench/tenon/act/snapshot) and judges them the
 * way ACT implementation reports are judged.
 *
 * An example's outcome for an engine: `failed` when an error (certainty ≥ 60, the engine says it
 * is a failure) names one of the rule's success criteria in its `standards`; `cantTell` when only a
 * warning does; otherwise `passed` (an engine does not say whether a rule was inapplicable).
 * Per rule: `consistent` when every failed example fails and no passed or inapplicable example
 * does; `partial` when some failed examples fail, none of the others do; `inconsistent` when a
 * passed or inapplicable example fails; `untested` when no example fails at all.
 * A second measure, reported beside it (`mapped`): the same, counting only issues raised by a rule
 * mapped to the ACT rule, as the W3C maps implementations to ACT rules.
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, normalize } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { testPage } from '../../../src/tenon/engine.ts';
import type { EngineOptions } from '../../../src/tenon/engine.ts';
import { isWarning } from '../../../src/tenon/mapping.ts';
import { parseTenonRequest } from '../../../src/tenon/request.ts';
import { AXE_TIDS, HERALD_TIDS } from '../../../src/tenon/rule-table.ts';
import { listenOnLoopback } from '../serve.ts';
import type { CorpusServer } from '../serve.ts';
import { HERALD_RULE_ACT_IDS } from './rules.ts';
import type { ActTestcase } from './rules.ts';

export const SNAPSHOT_DIR = new URL('./snapshot/', import.meta.url);
/** Copies of outside resources the examples load (scripts/act-snapshot.ts, `VENDORED`). */
export const VENDOR_DIR = new URL('./vendor/', import.meta.url);
const VENDOR_PATH = '/test-assets/herald-vendor/';

export interface Snapshot {
  source: string;
  commit: string;
  testcases: ActTestcase[];
}

export async function loadSnapshot(): Promise<Snapshot> {
  return JSON.parse(await readFile(new URL('testcases.json', SNAPSHOT_DIR), 'utf8')) as Snapshot;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.vtt': 'text/vtt',
};

/** The snapshot on loopback, so relative `/test-assets/…` links load as on act-rules.github.io. */
export async function serveSnapshot(): Promise<CorpusServer> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path.includes('..') || !/^\/(cases|test-assets)\//.test(path)) {
      res.writeHead(404).end();
      return;
    }
    const file = path.startsWith(VENDOR_PATH)
      ? new URL(path.slice(VENDOR_PATH.length), VENDOR_DIR)
      : new URL(`.${path}`, SNAPSHOT_DIR);
    readFile(file).then(
      (body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  return listenOnLoopback(server);
}

export type Outcome = 'passed' | 'failed' | 'cantTell';
export type Consistency = 'consistent' | 'partial' | 'inconsistent' | 'untested';

/** The engines compared: Herald as it answers, and axe-core alone as it ships (violations only). */
export const ENGINES = {
  herald: {} as EngineOptions,
  axe: { axeAlone: true } as EngineOptions,
} as const;
export type EngineName = keyof typeof ENGINES;

export interface CaseResult {
  testcase: ActTestcase;
  outcomes: Record<EngineName, Outcome>;
  /**
   * The second measure, the W3C's way of mapping an implementation to ACT rules: the same, but
   * an issue counts only when the rule that raised it is mapped to this ACT rule (`actRulesOf`).
   */
  mapped: Record<EngineName, Outcome>;
  /** The issues (tID and title) that decided a `failed` or `cantTell`, per engine. */
  evidence: Record<EngineName, string[]>;
}

const ruleOfTid = new Map<number, string>(
  Object.entries({ ...AXE_TIDS, ...HERALD_TIDS }).map(([rule, tid]) => [tid, rule]),
);
/** The ACT rules each axe-core rule declares it implements (`actIds` in its metadata). */
const AXE_ACT_IDS = new Map<string, string[]>(
  (createRequire(import.meta.url)('axe-core') as { getRules(): Array<{ ruleId: string; actIds?: string[] }> })
    .getRules()
    .map((r) => [r.ruleId, r.actIds ?? []]),
);

/** The ACT rules a Herald or axe-core rule (by tID) is mapped to. */
export function actRulesOf(tID: number): readonly string[] {
  const rule = ruleOfTid.get(tID);
  if (rule === undefined) return [];
  return HERALD_RULE_ACT_IDS[rule] ?? AXE_ACT_IDS.get(rule) ?? [];
}

function outcomeOf(issues: Array<{ certainty: number }>): Outcome {
  if (issues.some((i) => !isWarning(i))) return 'failed';
  return issues.length > 0 ? 'cantTell' : 'passed';
}

function criterionOf(standard: string): string | undefined {
  return /: (\d+\.\d+\.\d+) /.exec(standard)?.[1];
}

export interface RunOptions {
  /** The engines to run (default: all of ENGINES). */
  engines?: EngineName[];
}

/** One example, every engine, one after the other in the same browser. */
export async function runCase(
  browser: Browser,
  base: string,
  testcase: ActTestcase,
  opts: RunOptions = {},
): Promise<CaseResult> {
  const outcomes = {} as Record<EngineName, Outcome>;
  const mapped = {} as Record<EngineName, Outcome>;
  const evidence = {} as Record<EngineName, string[]>;
  for (const name of opts.engines ?? (Object.keys(ENGINES) as EngineName[])) {
    const req = parseTenonRequest({ url: `${base}/${testcase.relativePath}` });
    const res = await testPage(browser, req, { ...ENGINES[name], navigationTimeoutMs: 10_000 });
    if (!('resultSet' in res)) throw new Error(`${testcase.relativePath}: ${res.code} ${res.message}`);
    const relevant = res.resultSet.filter((i) =>
      i.standards.some((s) => testcase.successCriteria.includes(criterionOf(s) ?? '')),
    );
    const errors = relevant.filter((i) => !isWarning(i));
    outcomes[name] = outcomeOf(relevant);
    mapped[name] = outcomeOf(res.resultSet.filter((i) => actRulesOf(i.tID).includes(testcase.ruleId)));
    evidence[name] = [
      ...new Set((errors.length > 0 ? errors : relevant).map((i) => `${i.tID} ${i.errorTitle}`)),
    ];
  }
  return { testcase, outcomes, mapped, evidence };
}

/** Every example, `lanes` at a time, in order of the list. */
export async function runCases(
  browser: Browser,
  base: string,
  testcases: ActTestcase[],
  lanes = 2,
  opts: RunOptions & { onCase?: (r: CaseResult) => void } = {},
): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(testcases.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < testcases.length) {
        const i = next++;
        const r = await runCase(browser, base, testcases[i]!, opts);
        results[i] = r;
        opts.onCase?.(r);
      }
    }),
  );
  return results;
}

export interface RuleSummary {
  ruleId: string;
  ruleName: string;
  successCriteria: string[];
  failedExamples: number;
  otherExamples: number;
  /** Per engine: failed examples detected, false alarms, consistency. */
  engines: Record<EngineName, EngineSummary>;
  /** The same by the second measure (`CaseResult.mapped`). */
  mapped: Record<EngineName, EngineSummary>;
}

export interface EngineSummary {
  detected: number;
  falseAlarms: number;
  consistency: Consistency;
}

export function consistencyOf(detected: number, failedExamples: number, falseAlarms: number): Consistency {
  if (falseAlarms > 0) return 'inconsistent';
  if (detected === 0) return 'untested';
  return detected === failedExamples ? 'consistent' : 'partial';
}

export function summariseRules(results: CaseResult[]): RuleSummary[] {
  const byRule = new Map<string, CaseResult[]>();
  for (const r of results) byRule.set(r.testcase.ruleId, [...(byRule.get(r.testcase.ruleId) ?? []), r]);
  return [...byRule.values()].map((rs) => {
    const tc = rs[0]!.testcase;
    const failed = rs.filter((r) => r.testcase.expected === 'failed');
    const other = rs.filter((r) => r.testcase.expected !== 'failed');
    const summarise = (measure: 'outcomes' | 'mapped') => {
      const out = {} as Record<EngineName, EngineSummary>;
      for (const name of Object.keys(ENGINES) as EngineName[]) {
        const detected = failed.filter((r) => r[measure][name] === 'failed').length;
        const falseAlarms = other.filter((r) => r[measure][name] === 'failed').length;
        out[name] = {
          detected,
          falseAlarms,
          consistency: consistencyOf(detected, failed.length, falseAlarms),
        };
      }
      return out;
    };
    return {
      ruleId: tc.ruleId,
      ruleName: tc.ruleName,
      successCriteria: tc.successCriteria,
      failedExamples: failed.length,
      otherExamples: other.length,
      engines: summarise('outcomes'),
      mapped: summarise('mapped'),
    };
  });
}

export type EngineTotals = { detected: number; falseAlarms: number } & Record<Consistency, number>;

export interface Totals {
  failedExamples: number;
  otherExamples: number;
  engines: Record<EngineName, EngineTotals>;
  /** The same by the second measure (`CaseResult.mapped`). */
  mapped: Record<EngineName, EngineTotals>;
}

export function totals(rules: RuleSummary[]): Totals {
  const add = (measure: 'engines' | 'mapped') => {
    const out = {} as Record<EngineName, EngineTotals>;
    for (const name of Object.keys(ENGINES) as EngineName[]) {
      const t = { detected: 0, falseAlarms: 0, consistent: 0, partial: 0, inconsistent: 0, untested: 0 };
      for (const r of rules) {
        t.detected += r[measure][name].detected;
        t.falseAlarms += r[measure][name].falseAlarms;
        t[r[measure][name].consistency]++;
      }
      out[name] = t;
    }
    return out;
  };
  return {
    failedExamples: rules.reduce((n, r) => n + r.failedExamples, 0),
    otherExamples: rules.reduce((n, r) => n + r.otherExamples, 0),
    engines: add('engines'),
    mapped: add('mapped'),
  };
}
