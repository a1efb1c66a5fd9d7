/**
 * Event payloads the scenarios publish: the small `site.created` of the burst scenarios and a
 * Tenon-sized `apiLog.created` (1–2 KB of `data`, varied per event) for the Tenon scenarios.
 * Every payload carries the phase tag in `data.projectID` (the receiver counts by it) and the
 * submission time in `data.sentAt`; `data.seq` (the event's index in its phase) only when asked,
 * so the burst payloads keep the size they always had.
 */
import { siteData } from './lib.ts';

export type PayloadKind = 'site' | 'apiLog';

export const EVENT_TYPE: Record<PayloadKind, string> = {
  site: 'site.created',
  apiLog: 'apiLog.created',
};

/** The hook `objects` a payload kind needs. */
export const HOOK_OBJECT: Record<PayloadKind, string> = { site: 'site', apiLog: 'apiLog' };

/**
 * The JSON of event i's `data`. apiLog bodies come from a per-index template (built once, see
 * apiLogTemplate) with the tag and time filled in, so publishing costs the harness (which shares
 * the machine with the system under test) a string replace, not building and sizing an object.
 */
export function eventJson(kind: PayloadKind, tag: string, i: number, sentAt: number, seq = false): string {
  const tail = seq ? `,"seq":${i}}` : '}';
  if (kind === 'site') return `${JSON.stringify(siteData(tag, i, sentAt)).slice(0, -1)}${tail}`;
  const tpl = apiLogTemplate(i);
  return `${tpl.slice(0, -SENT_AT_END.length).replaceAll(TAG_MARK, tag)},"sentAt":${sentAt}${tail}`;
}

const TAG_MARK = '@@tag@@';
const SENT_AT_END = ',"sentAt":0}';
const templates = new Map<number, string>();

/** Event i's apiLog data as JSON with a tag mark and `sentAt` 0 (kept for the first 100,000 indexes). */
function apiLogTemplate(i: number): string {
  let t = templates.get(i);
  if (t === undefined) {
    t = JSON.stringify(apiLogData(TAG_MARK, i, 0));
    if (templates.size < 100_000) templates.set(i, t);
  }
  return t;
}

/** Builds the templates of events 0..n-1 ahead, outside any measured phase. */
export function primePayloads(kind: PayloadKind, n: number): void {
  if (kind === 'apiLog') for (let i = 0; i < Math.min(n, 100_000); i++) apiLogTemplate(i);
}

/** Sizes in bytes of the `data` JSON of events 0..n-1 (min, median, max), for the report. */
export function payloadSizes(kind: PayloadKind, n: number): { min: number; median: number; max: number } {
  const sizes = Array.from({ length: n }, (_, i) =>
    Buffer.byteLength(eventJson(kind, 'run-tenon-sqlite-1', i, 1_764_633_227_123.456)),
  ).sort((a, b) => a - b);
  return { min: sizes[0] ?? 0, median: sizes[n >> 1] ?? 0, max: sizes[n - 1] ?? 0 };
}

// ---------------------------------------------------------------------------------------------
// apiLog: the seed's fields (../shared/seeds/tenon-web-hooks.txt, "Test Runs") and a full API
// response shaped like ../shared/reference/tenon-test-api-response-2016.json, with 0–3 issues.

/** A small deterministic PRNG (mulberry32), so event i is the same in every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = ['www.example.com', 'shop.example.org', 'docs.example.net', 'blog.example.io', 'example.edu'];
const PATHS = ['/', '/about', '/pricing', '/contact-us', '/products/widgets', '/help/getting-started'];
const TITLES = ['Example Domain', 'About us', 'Pricing and plans', 'Contact', 'Widgets', 'Getting started'];
const UAS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0',
];
const LEVELS = ['A', 'AA', 'AAA'] as const;
const ISSUES = [
  {
    bpID: 118,
    tID: 3,
    errorTitle: 'The language of this page is not set.',
    resultTitle: "Identify the page's language.",
    errorDescription:
      "The language of the document has not been set. Set the document's language by adding the `lang` attribute to the `<html>` element.",
    standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 3.1.1 Language of Page'],
    xpath: '/html',
  },
  {
    bpID: 24,
    tID: 10,
    errorTitle: 'Image missing alt attribute',
    resultTitle: 'All images must have an alt attribute.',
    errorDescription: 'This image is missing an `alt` attribute. Add one that describes the image.',
    standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 1.1.1 Non-text Content'],
    xpath: '/html/body/div[1]/img[1]',
  },
  {
    bpID: 91,
    tID: 64,
    errorTitle: 'Link text is not descriptive',
    resultTitle: 'Links must have descriptive text.',
    errorDescription: 'The text of this link does not describe its purpose ("click here").',
    standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 2.4.4 Link Purpose'],
    xpath: '/html/body/div[2]/p[3]/a',
  },
];
// Single quotes: a snippet's JSON length is its length, so the size target is met exactly.
const SNIPPET =
  "<div class='hero'><img src='/img/banner.png'><p>Welcome to our site. <a href='/more'>click here</a> for more.</p></div>";

function hex(r: () => number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function issue(r: () => number, snippetLen: number): object {
  const base = pick(r, ISSUES);
  const x = Math.floor(r() * 800);
  const y = Math.floor(r() * 600);
  return {
    ...base,
    certainty: pick(r, [40, 60, 80, 100]),
    priority: Math.floor(r() * 100),
    errorSnippet: SNIPPET.repeat(3).slice(0, snippetLen),
    issueID: hex(r, 32),
    position: { line: 1 + Math.floor(r() * 400), column: 1 + Math.floor(r() * 120) },
    ref: `https://tenon.io/bestpractice.php?bpID=${base.bpID}&tID=${base.tID}`,
    signature: hex(r, 32),
    viewPortLocation: { 'top-left': { x, y }, width: 120, height: 40 },
  };
}

/**
 * One `apiLog.created` data object of 1–2 KB as JSON: the seed's fields with a full response of
 * 0–3 issues. The size is drawn per event from 1,024–2,047 bytes and met by the number of issues
 * and the length of the last snippet; ids, hashes, counts, URL and agent vary per event.
 */
export function apiLogData(tag: string, i: number, sentAt: number): object {
  const r = rng(i * 2654435761);
  const target = 1024 + Math.floor(r() * 1024);
  const url = `https://${pick(r, HOSTS)}${pick(r, PATHS)}`;
  const level = pick(r, LEVELS);
  const ua = pick(r, UAS);
  const width = pick(r, [800, 1024, 1280]);
  const height = pick(r, [600, 768, 800]);
  const start = 1_480_977_198_796 + i * 1000;
  const errors = Math.floor(r() * 40);
  const warnings = Math.floor(r() * 10);
  const density = Math.floor(r() * 100);
  const responseID = hex(r, 32);
  const docID = hex(r, 32).toUpperCase();
  const sourceHash = hex(r, 32);
  const documentSize = 1000 + Math.floor(r() * 60_000);
  const byLevel = {
    A: Math.floor(errors * 0.6),
    AA: Math.floor(errors * 0.3),
    AAA: errors - Math.floor(errors * 0.9),
  };
  const resultSet: object[] = [];
  const fullResponse = {
    status: 200,
    code: 'success',
    message: 'success',
    documentSize,
    request: { url, level, responseID, projectID: tag, docID, viewport: { width, height } },
    responseExecTime: (r() * 3).toFixed(2),
    responseTime: new Date(start).toISOString().replace(/\.\d{3}Z$/, '+0000'),
    resultSet,
    resultSummary: {
      issues: { totalErrors: errors, totalWarnings: warnings, totalIssues: errors + warnings },
      tests: { failing: Math.floor(r() * 20), passing: 40 + Math.floor(r() * 40) },
    },
    sourceHash,
    urlHttpCode: 200,
  };
  const data = {
    object: 'apiLog',
    responseID,
    dateAdded: start + 100_000,
    status: '200',
    message: 'Success',
    reqLevel: level,
    reqCertainty: pick(r, [0, 60, 80]),
    reqPriority: pick(r, [0, 20, 40]),
    docID,
    documentSize,
    sourceHash,
    errorDensity: density,
    warningDensity: Math.floor(r() * 20),
    allDensity: density + 5,
    errors,
    warnings,
    url,
    fragment: 0,
    store: pick(r, [0, 1]),
    projectID: tag,
    viewPortWidth: width,
    viewPortHeight: height,
    uaString: ua,
    startTime: start,
    endTime: start + 100_000 + Math.floor(r() * 5000),
    true_http_code: 200,
    delay: pick(r, [0, 1000, 2000]),
    issuesByLevelA: byLevel.A,
    issuesByLevelAA: byLevel.AA,
    issuesByLevelAAA: byLevel.AAA,
    testsFailing: fullResponse.resultSummary.tests.failing,
    testsPassing: fullResponse.resultSummary.tests.passing,
    pageTitle: pick(r, TITLES),
    fullResponse,
    sentAt,
  };
  fillTo(data, resultSet, target, r);
  return data;
}

/**
 * Adds full issues (~550 bytes and a snippet of up to 200) while one fits, then a compact one
 * (title, test, xpath, snippet: ~150 bytes and up) whose snippet takes the room left, so the
 * size lands within ~150 bytes under `target` (or at the base size, ~1.35 KB, when that is over).
 */
function fillTo(data: object, resultSet: object[], target: number, r: () => number): void {
  const size = (): number => Buffer.byteLength(JSON.stringify(data));
  const len = (o: object): number => Buffer.byteLength(JSON.stringify(o)) + 1;
  const snippet = (n: number): string => SNIPPET.repeat(3).slice(0, Math.max(0, n));
  for (let k = 0; k < 3; k++) {
    const room = target - size();
    const full = issue(r, 0) as { errorSnippet: string };
    const fullBare = len(full);
    if (fullBare + 200 <= room && k < 2) {
      full.errorSnippet = snippet(200);
      resultSet.push(full);
      continue;
    }
    const compact = compactIssue(full);
    const bare = len(compact);
    if (bare > room) return;
    compact.errorSnippet = snippet(room - bare);
    resultSet.push(compact);
    return;
  }
}

/** The fields an issue of an older, terser Tenon response has. */
function compactIssue(full: object): { errorSnippet: string } {
  const { bpID, tID, errorTitle, xpath, certainty, priority } = full as Record<string, unknown>;
  return { bpID, tID, errorTitle, xpath, certainty, priority, errorSnippet: '' } as { errorSnippet: string };
}
