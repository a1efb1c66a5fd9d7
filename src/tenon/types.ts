/**
 * The Tenon test API's shapes, field for field as in a real Tenon response
 * (../shared/reference/tenon-test-api-response-2016.json): numbers where Tenon sends numbers,
 * strings where it sends strings (`globalStats`, `responseExecTime`, `ref`, `importance`).
 */

export type TenonLevel = 'A' | 'AA' | 'AAA';

/** `{status, message, code, moreInfo}`: every Tenon answer carries these four, errors only these. */
export interface TenonStatus {
  status: number;
  message: string;
  code: string;
  moreInfo: string;
}

/** Where Tenon should send the finished result (async mode); a Herald delivery in practice. */
export interface TenonCallback {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
}

/** The `request` mirror of a response: the request with its defaults filled in, never the key. */
export interface TenonRequestMirror {
  url?: string;
  certainty: number;
  priority: number;
  level: TenonLevel;
  uaString: string;
  store: number;
  ref: string;
  importance: string;
  responseID: string;
  userID: string;
  projectID: string;
  docID: string;
  waitFor: number | null;
  fragment: number;
  viewport: { height: number; width: number };
  /** Only the destination: callback headers may hold secrets and are not echoed. */
  callback?: { url: string; method: string };
}

/** A validated request: the mirror, plus what the engine needs that is not mirrored. */
export interface TenonRequest {
  /** Passed through for the adapter to authenticate; never in the mirror. */
  key: string | undefined;
  /** The page source when the client sent `src` instead of `url`. */
  src: string | undefined;
  callback: TenonCallback | undefined;
  mirror: TenonRequestMirror;
}

export interface ViewPortLocation {
  'bottom-right': { x: number; y: number };
  height: number;
  'top-left': { x: number; y: number };
  width: number;
}

export interface TenonIssue {
  bpID: number;
  certainty: number;
  errorDescription: string;
  errorSnippet: string;
  errorTitle: string;
  issueID: string;
  position: { column: number; line: number };
  priority: number;
  ref: string;
  resultTitle: string;
  signature: string;
  standards: string[];
  tID: number;
  viewPortLocation: ViewPortLocation;
  xpath: string;
}

export interface TenonResultSummary {
  density: { allDensity: number; errorDensity: number; warningDensity: number };
  issues: { totalErrors: number; totalIssues: number; totalWarnings: number };
  issuesByLevel: Record<TenonLevel, { count: number; pct: number }>;
  tests: { failing: number; passing: number; total: number };
}

/** Averages over all stored runs, as strings (Tenon's own types). */
export interface TenonGlobalStats {
  errorDensity: string;
  warningDensity: string;
  allDensity: string;
  stdDev: string;
}

export interface TenonResponse extends TenonStatus {
  apiErrors: string[];
  documentSize: number;
  globalStats: TenonGlobalStats;
  request: TenonRequestMirror;
  responseExecTime: string;
  responseTime: string;
  resultSet: TenonIssue[];
  resultSummary: TenonResultSummary;
  sourceHash: string;
  urlHttpCode: number;
  clientScriptErrors: Array<{ message: string }>;
}
