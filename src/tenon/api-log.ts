/**
 * The seed's `apiLog` object (../shared/seeds/tenon-web-hooks.txt, "Test Runs") for one run:
 * what `apiLog.created` announces and what a stored test run holds. Every number is computed
 * from the run and its response; `fullResponse` is the complete API response. Pure, so the
 * test-run service only adds the store write and the event.
 *
 * Types follow the seed exactly: `status` is a string there ("200"), `true_http_code` a number.
 */
import type { RawRun } from './raw.ts';
import type { TenonResponse } from './types.ts';

export interface ApiLog {
  object: 'apiLog';
  responseID: string;
  dateAdded: number;
  status: string;
  message: string;
  reqLevel: string;
  reqCertainty: number;
  reqPriority: number;
  docID: string;
  documentSize: number;
  sourceHash: string;
  errorDensity: number;
  warningDensity: number;
  allDensity: number;
  errors: number;
  warnings: number;
  url: string;
  fragment: number;
  store: number;
  projectID: string;
  viewPortWidth: number;
  viewPortHeight: number;
  uaString: string;
  startTime: number;
  endTime: number;
  true_http_code: number;
  delay: number;
  issuesByLevelA: number;
  issuesByLevelAA: number;
  issuesByLevelAAA: number;
  testsFailing: number;
  testsPassing: number;
  pageTitle: string;
  fullResponse: TenonResponse;
}

/** The seed field order, for schemas and for tests that check none is missing. */
export const API_LOG_FIELDS = [
  'object',
  'responseID',
  'dateAdded',
  'status',
  'message',
  'reqLevel',
  'reqCertainty',
  'reqPriority',
  'docID',
  'documentSize',
  'sourceHash',
  'errorDensity',
  'warningDensity',
  'allDensity',
  'errors',
  'warnings',
  'url',
  'fragment',
  'store',
  'projectID',
  'viewPortWidth',
  'viewPortHeight',
  'uaString',
  'startTime',
  'endTime',
  'true_http_code',
  'delay',
  'issuesByLevelA',
  'issuesByLevelAA',
  'issuesByLevelAAA',
  'testsFailing',
  'testsPassing',
  'pageTitle',
  'fullResponse',
] as const satisfies ReadonlyArray<keyof ApiLog>;

/**
 * `dateAdded` is when the record is made (the end of the run unless given); `url` is empty for
 * a `src` test, which has no address; `delay` is the requested `waitFor` (0 when unset).
 */
export function toApiLog(response: TenonResponse, run: RawRun, dateAdded = run.endTime): ApiLog {
  const req = response.request;
  const s = response.resultSummary;
  return {
    object: 'apiLog',
    responseID: req.responseID,
    dateAdded,
    status: String(response.status),
    message: response.message,
    reqLevel: req.level,
    reqCertainty: req.certainty,
    reqPriority: req.priority,
    docID: req.docID,
    documentSize: response.documentSize,
    sourceHash: response.sourceHash,
    errorDensity: s.density.errorDensity,
    warningDensity: s.density.warningDensity,
    allDensity: s.density.allDensity,
    errors: s.issues.totalErrors,
    warnings: s.issues.totalWarnings,
    url: req.url ?? '',
    fragment: req.fragment,
    store: req.store,
    projectID: req.projectID,
    viewPortWidth: req.viewport.width,
    viewPortHeight: req.viewport.height,
    uaString: req.uaString,
    startTime: run.startTime,
    endTime: run.endTime,
    true_http_code: run.urlHttpCode,
    delay: req.waitFor ?? 0,
    issuesByLevelA: s.issuesByLevel.A.count,
    issuesByLevelAA: s.issuesByLevel.AA.count,
    issuesByLevelAAA: s.issuesByLevel.AAA.count,
    testsFailing: s.tests.failing,
    testsPassing: s.tests.passing,
    pageTitle: run.pageTitle,
    fullResponse: response,
  };
}
