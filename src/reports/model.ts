/**
 * What a report is made of, whatever its format: the pages of one test run or of one monitor
 * slot, each with the Tenon issues it was tested with. Built from stored test runs by
 * `reportPageOf`; rendered by the pure functions beside this file (sarif, junit, csv, html).
 */
import type { TestRun } from '../store/testruns.ts';
import type { TenonIssue } from '../tenon/types.ts';

/** The issue fields a report uses; stored responses are read defensively into this shape. */
export type ReportIssue = Pick<
  TenonIssue,
  | 'tID'
  | 'errorTitle'
  | 'errorDescription'
  | 'errorSnippet'
  | 'resultTitle'
  | 'certainty'
  | 'priority'
  | 'signature'
  | 'standards'
  | 'xpath'
  | 'ref'
  | 'position'
>;

export interface ReportPage {
  url: string;
  responseID: string;
  /** `done`, or `failed` with the Tenon message in `error`: a failed page has no issues. */
  status: string;
  error: string | null;
  finishedAt: number | null;
  issues: ReportIssue[];
}

export interface Report {
  /** One line naming what was tested, e.g. "Test run 0f…" or "Shop (slot 29434)". */
  title: string;
  /** The base of the download name: `${name}.sarif`. */
  name: string;
  generatedAt: number;
  pages: ReportPage[];
}

export type ReportFormat = 'sarif' | 'junit' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['sarif', 'junit', 'csv', 'html'];

const str = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);

function issueOf(i: Record<string, unknown>): ReportIssue {
  const pos = (i['position'] ?? {}) as Record<string, unknown>;
  return {
    tID: num(i['tID']),
    errorTitle: str(i['errorTitle']),
    errorDescription: str(i['errorDescription']),
    errorSnippet: str(i['errorSnippet']),
    resultTitle: str(i['resultTitle']),
    certainty: num(i['certainty']),
    priority: num(i['priority']),
    signature: str(i['signature']),
    standards: Array.isArray(i['standards']) ? i['standards'].map(str) : [],
    xpath: str(i['xpath']),
    ref: str(i['ref']),
    position: { line: num(pos['line']), column: num(pos['column']) },
  };
}

/** A stored run as a report page: its issues when done, its Tenon message when failed. */
export function reportPageOf(run: TestRun): ReportPage {
  const response = (run.response ?? {}) as Record<string, unknown>;
  const resultSet =
    run.status === 'done' && Array.isArray(response['resultSet']) ? response['resultSet'] : [];
  return {
    url: run.url ?? `src:${run.responseID}`,
    responseID: run.responseID,
    status: run.status,
    error: run.status === 'failed' ? str(response['message']) || 'failed' : null,
    finishedAt: run.finishedAt,
    issues: (resultSet as Array<Record<string, unknown>>).map(issueOf),
  };
}
