/**
 * axe-core (and Herald rule) outcomes → the Tenon response: `resultSet`, `resultSummary`,
 * `globalStats` and the envelope. Pure: the engine hands in a RawRun, tests hand in recorded ones.
 */
import { createHash } from 'node:crypto';
import { tenonStatus } from './errors.ts';
import { SourceIndex } from './position.ts';
import type { RawNode, RawRun, RuleOutcome } from './raw.ts';
import { bpidFor, tidFor } from './rule-table.ts';
import { levelIncluded, standardsFor, tagsOf } from './standards.ts';
import type {
  TenonGlobalStats,
  TenonIssue,
  TenonLevel,
  TenonRequestMirror,
  TenonResponse,
  TenonResultSummary,
} from './types.ts';

/** Tenon priorities from axe impact: how much the barrier hurts the people it affects. */
export const PRIORITY_BY_IMPACT = { critical: 100, serious: 85, moderate: 60, minor: 35 } as const;
const PRIORITY_UNKNOWN = 50;
/** A failure axe is sure of; "needs review" is a maybe, reported as a warning. */
export const CERTAINTY_VIOLATION = 100;
export const CERTAINTY_NEEDS_REVIEW = 40;
/**
 * A finding that maps to no WCAG success criterion (axe's best-practice rules) is advice, not a
 * failure: always a warning, below "needs review", so `certainty=30` or more leaves it out.
 */
export const CERTAINTY_BEST_PRACTICE = 20;
/** A violation of an axe rule its authors still call experimental: an error, but less sure. */
export const CERTAINTY_EXPERIMENTAL = 80;
/**
 * Rules whose violations are reported below error level until measured: `target-size` (2.5.8,
 * WCAG 2.2) cannot judge the spacing, inline and equivalent-control exceptions, flags default-sized
 * form controls and links on pages that are otherwise clean, and has no ACT rule to prove it.
 */
export const RULE_CERTAINTY: Readonly<Record<string, number>> = { 'target-size': 50 };
/** Below this certainty an issue is a warning, not an error (so it follows from the response). */
export const WARNING_BELOW = 60;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Whitespace and case changes between runs must not change a signature. */
export function normaliseSnippet(snippet: string): string {
  return snippet.replace(/\s+/g, ' ').replace(/>\s+</g, '><').trim().toLowerCase();
}

/** Same rule, same element, same markup → same signature, whatever the run. */
export function signatureOf(ruleId: string, xpath: string, snippet: string): string {
  return md5(`${ruleId}\n${xpath}\n${normaliseSnippet(snippet)}`);
}

export function priorityOf(rule: RuleOutcome): number {
  return rule.impact ? PRIORITY_BY_IMPACT[rule.impact] : PRIORITY_UNKNOWN;
}

export function certaintyOf(rule: RuleOutcome): number {
  const stated =
    rule.certainty ??
    RULE_CERTAINTY[rule.ruleId] ??
    (rule.tags.includes('experimental') ? CERTAINTY_EXPERIMENTAL : CERTAINTY_VIOLATION);
  const ceiling = standardsFor(rule.tags).standards.length === 0 ? CERTAINTY_BEST_PRACTICE : 100;
  const review = rule.kind === 'incomplete' ? CERTAINTY_NEEDS_REVIEW : 100;
  return Math.min(stated, ceiling, review);
}

export const isWarning = (issue: Pick<TenonIssue, 'certainty'>): boolean => issue.certainty < WARNING_BELOW;

function viewPortLocation(rect: RawNode['rect']): TenonIssue['viewPortLocation'] {
  const x = Math.round(rect.x);
  const y = Math.round(rect.y);
  const width = Math.round(rect.width);
  const height = Math.round(rect.height);
  return { 'bottom-right': { x: x + width, y: y + height }, height, 'top-left': { x, y }, width };
}

function describe(rule: RuleOutcome, node: RawNode): string {
  const fix = node.summary.trim();
  return fix ? `${rule.description} ${fix}` : rule.description;
}

/** An issue with the level it counts under (not a Tenon field: used to filter and count). */
export interface LevelledIssue {
  issue: TenonIssue;
  level: TenonLevel;
  ruleId: string;
}

/** Every node of every outcome as an issue, before filtering. */
export function toIssues(run: RawRun, request: TenonRequestMirror): LevelledIssue[] {
  const index = new SourceIndex(run.source);
  const out: LevelledIssue[] = [];
  for (const rule of run.rules) {
    const { standards, level } = standardsFor(tagsOf(rule.ruleId, rule.tags));
    const tID = tidFor(rule.ruleId);
    const certainty = certaintyOf(rule);
    const priority = priorityOf(rule);
    for (const node of rule.nodes) {
      const signature = signatureOf(rule.ruleId, node.xpath, node.snippet);
      const issue: TenonIssue = {
        bpID: bpidFor(rule.ruleId),
        certainty,
        errorDescription: describe(rule, node),
        errorSnippet: node.snippet,
        errorTitle: rule.help,
        issueID: md5(`${request.responseID}\n${signature}`),
        position: index.find(node),
        priority,
        ref: request.ref === '1' ? rule.helpUrl : '',
        resultTitle: rule.description,
        signature,
        standards,
        tID,
        viewPortLocation: viewPortLocation(node.rect),
        xpath: node.xpath,
      };
      out.push({ issue, level, ruleId: rule.ruleId });
    }
  }
  return out;
}

/** Tenon's thresholds are minimums; the level is the highest level of criteria to report. */
export function filterIssues(issues: LevelledIssue[], request: TenonRequestMirror): LevelledIssue[] {
  return issues.filter(
    (i) =>
      i.issue.certainty >= request.certainty &&
      i.issue.priority >= request.priority &&
      levelIncluded(i.level, request.level),
  );
}

/** Issues per KB of source, ×100 and rounded: 1 issue in 1256 bytes is 82, as in the reference. */
export function density(count: number, documentSize: number): number {
  return documentSize > 0 ? Math.round((count * 1024 * 100) / documentSize) : 0;
}

const pct = (n: number, total: number): number => (total > 0 ? Math.round((n * 100) / total) : 0);

export function summarise(
  issues: LevelledIssue[],
  documentSize: number,
  testsRun: number,
): TenonResultSummary {
  const warnings = issues.filter((i) => isWarning(i.issue)).length;
  const errors = issues.length - warnings;
  const byLevel = (l: TenonLevel): { count: number; pct: number } => {
    const count = issues.filter((i) => i.level === l).length;
    return { count, pct: pct(count, issues.length) };
  };
  const failing = new Set(issues.map((i) => i.ruleId)).size;
  const total = Math.max(testsRun, failing);
  return {
    density: {
      allDensity: density(issues.length, documentSize),
      errorDensity: density(errors, documentSize),
      warningDensity: density(warnings, documentSize),
    },
    issues: { totalErrors: errors, totalIssues: issues.length, totalWarnings: warnings },
    issuesByLevel: { A: byLevel('A'), AA: byLevel('AA'), AAA: byLevel('AAA') },
    tests: { failing, passing: total - failing, total },
  };
}

/** With no history to average over, the run's own densities (stdDev 0). */
export function ownGlobalStats(summary: TenonResultSummary): TenonGlobalStats {
  const d = summary.density;
  return {
    errorDensity: String(d.errorDensity),
    warningDensity: String(d.warningDensity),
    allDensity: String(d.allDensity),
    stdDev: '0',
  };
}

/** `2016-10-12T03:17:07+0000`: Tenon's timestamp form, UTC, no milliseconds. */
export function tenonTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

export interface BuildOptions {
  /** Averages over stored runs, when the caller has them. */
  globalStats?: TenonGlobalStats;
  /** When the request arrived (responseExecTime runs from here); defaults to run.startTime. */
  receivedAt?: number;
}

export function buildResponse(
  run: RawRun,
  request: TenonRequestMirror,
  opts: BuildOptions = {},
): TenonResponse {
  const documentSize = Buffer.byteLength(run.source);
  const issues = filterIssues(toIssues(run, request), request);
  const resultSummary = summarise(issues, documentSize, run.testsRun);
  const start = opts.receivedAt ?? run.startTime;
  return {
    apiErrors: run.apiErrors,
    documentSize,
    globalStats: opts.globalStats ?? ownGlobalStats(resultSummary),
    ...tenonStatus('success'),
    request,
    responseExecTime: ((run.endTime - start) / 1000).toFixed(2),
    responseTime: tenonTime(run.endTime),
    resultSet: issues.map((i) => i.issue),
    resultSummary,
    sourceHash: md5(run.source),
    urlHttpCode: run.urlHttpCode,
    clientScriptErrors: run.clientScriptErrors,
  };
}
