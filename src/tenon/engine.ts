/**
 * Runs one Tenon test in a browser: opens a fresh browser context (own cookies and storage),
 * sets the requested viewport and user agent, loads `url` (or sets `src` as the content),
 * waits `waitFor`, then runs axe-core and Herald's rules in the page and collects what the
 * mapping needs. The caller owns the Browser (the builds' BrowserPool in Herald) and any
 * network filtering it was launched behind.
 *
 * Every run is bounded: navigation has its own timeout, and the whole run a deadline after
 * which the context is closed and the run ends as a 522 — a page that never finishes loading,
 * or a script that spins forever, never hangs the caller.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, HTTPResponse, Page } from 'puppeteer-core';
import { restoreSession, restoreStorage, type Session } from '../monitors/sign-in.ts';
import { TenonError, tenonStatus } from './errors.ts';
import type { TenonErrorBody } from './errors.ts';
import { buildResponse } from './mapping.ts';
import type { BuildOptions } from './mapping.ts';
import type { RawRun, RuleOutcome } from './raw.ts';
import type { TenonRequest, TenonResponse } from './types.ts';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PAGE_SCRIPTS = ['rules.js', 'collect.js']
  .map((f) => readFileSync(new URL(`./page/${f}`, import.meta.url), 'utf8'))
  .join('\n;\n');

/**
 * Page-level rules that make no sense for a fragment (`fragment=1`): a snippet has no
 * `<html lang>`, no title and no landmarks of its own.
 */
export const PAGE_LEVEL_RULES = [
  'html-has-lang',
  'html-lang-valid',
  'document-title',
  'landmark-one-main',
  'page-has-heading-one',
  'region',
  'bypass',
  'meta-viewport',
];

/**
 * axe-core rules Herald turns on beyond axe's defaults, each measured on the ACT Rules test cases
 * (docs/act/report.md): WCAG 2.2's target size, enhanced contrast (AAA), meta refresh without
 * exception (AAA) and the orientation lock (tagged experimental by axe, checked by ACT b33eff).
 */
export const EXTRA_AXE_RULES = [
  'target-size',
  'color-contrast-enhanced',
  'meta-refresh-no-exceptions',
  'css-orientation-lock',
];

export interface EngineOptions {
  /** Loading the page (goto or setContent), in ms. */
  navigationTimeoutMs?: number;
  /** The whole run, `waitFor` included; past it the run is a 522. */
  deadlineMs?: number;
  /** Run Herald's own rules after axe (src/tenon/page/rules.js). */
  heraldRules?: boolean;
  /**
   * axe-core alone, as it ships: its default rule set, no Herald rules, no frames. The baseline
   * Herald is measured against (bench/tenon/act).
   */
  axeAlone?: boolean;
  /** outerHTML cap for `errorSnippet`, in characters. */
  snippetMax?: number;
  /** Injected clock for tests. */
  now?: () => number;
  /** A signed-in session (a monitor slot's sign-in): its cookies and storage, in the run's context. */
  session?: Session | undefined;
}

export type EngineOutcome = { ok: true; run: RawRun } | { ok: false; error: TenonErrorBody };

interface Collected {
  rules: RuleOutcome[];
  testsRun: number;
  apiErrors: string[];
  title: string;
}

function unreachable(detail: string): EngineOutcome {
  return { ok: false, error: tenonStatus('doc_source_unavailable', detail) };
}

async function load(
  page: Page,
  req: TenonRequest,
  timeout: number,
): Promise<{ source: string; status: number }> {
  if (req.src !== undefined) {
    await page.setContent(req.src, { waitUntil: 'load', timeout });
    return { source: req.src, status: 200 };
  }
  const url = req.mirror.url;
  if (url === undefined) throw new TenonError('required_param_missing', 'url or src is required');
  const res: HTTPResponse | null = await page.goto(url, { waitUntil: 'load', timeout });
  if (!res) throw new Error('no response for the main document');
  // The body as served: positions and the hash are about the source, not the live DOM.
  const source = await res.text().catch(() => '');
  return { source, status: res.status() };
}

/**
 * axe-core in every same-origin frame, so the top-level run tests inside them (axe asks each
 * frame over postMessage). A cross-origin frame is left alone: it stays a "needs review".
 */
/**
 * A `src` page (and its srcdoc frames) has an opaque origin, "null", to which axe's frame
 * messages cannot be addressed; there it takes messages from any origin, which only the page
 * under test itself could send.
 */
const OPAQUE_ORIGIN_SETUP =
  "if (window.location.origin === 'null') axe.configure({ allowedOrigins: ['<unsafe_all_origins>'] });";

async function injectFrames(page: Page): Promise<void> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame() || frame.detached) continue;
    const sameOrigin = await frame
      .evaluate('(() => { try { return Boolean(window.frameElement); } catch { return false; } })()')
      .catch(() => false);
    if (sameOrigin) await frame.evaluate(`${AXE_SOURCE}\n;\n${OPAQUE_ORIGIN_SETUP}`).catch(() => undefined);
  }
}

async function analyse(page: Page, req: TenonRequest, opts: EngineOptions): Promise<Collected> {
  await page.evaluate(AXE_SOURCE);
  if (!opts.axeAlone) {
    await page.evaluate(OPAQUE_ORIGIN_SETUP);
    await injectFrames(page);
  }
  await page.evaluate(PAGE_SCRIPTS);
  const axeOptions = req.mirror.fragment === 1 ? { rules: disabled(PAGE_LEVEL_RULES) } : {};
  const args = {
    snippetMax: opts.snippetMax ?? 2048,
    heraldRules: !opts.axeAlone && (opts.heraldRules ?? true),
    axeAlone: opts.axeAlone ?? false,
    axeOptions,
    axeRules: opts.axeAlone ? {} : enabled(EXTRA_AXE_RULES),
  };
  return (await page.evaluate(`window.__heraldTenonCollect(${JSON.stringify(args)})`)) as Collected;
}

/**
 * A page that navigates itself right after `load` (a script redirect) destroys the context the
 * analysis runs in. Let that navigation land, then analyse the page it led to, once.
 */
async function analyseSettled(page: Page, req: TenonRequest, opts: EngineOptions): Promise<Collected> {
  try {
    return await analyse(page, req, opts);
  } catch (err) {
    if (!/context was destroyed|navigat/i.test(String((err as Error).message))) throw err;
    // The navigation may already have landed: wait for a loaded document, not for a navigation.
    await page
      .waitForFunction('document.readyState === "complete"', {
        timeout: opts.navigationTimeoutMs ?? 15_000,
      })
      .catch(() => undefined);
    return analyse(page, req, opts);
  }
}

function disabled(ids: string[]): Record<string, { enabled: false }> {
  return Object.fromEntries(ids.map((id) => [id, { enabled: false as const }]));
}

function enabled(ids: string[]): Record<string, { enabled: true }> {
  return Object.fromEntries(ids.map((id) => [id, { enabled: true as const }]));
}

async function runIn(
  context: BrowserContext,
  req: TenonRequest,
  opts: EngineOptions,
): Promise<EngineOutcome> {
  const now = opts.now ?? Date.now;
  const startTime = now();
  const page = await context.newPage();
  if (opts.session) await restoreStorage(page, opts.session);
  const clientScriptErrors: Array<{ message: string }> = [];
  page.on('pageerror', (err) => {
    if (clientScriptErrors.length < 50)
      clientScriptErrors.push({ message: String((err as Error).message ?? err) });
  });
  await page.setViewport({ width: req.mirror.viewport.width, height: req.mirror.viewport.height });
  await page.setUserAgent({ userAgent: req.mirror.uaString });
  let loaded: { source: string; status: number };
  try {
    loaded = await load(page, req, opts.navigationTimeoutMs ?? 15_000);
  } catch (err) {
    if (err instanceof TenonError) return { ok: false, error: err.body };
    return unreachable(
      `the page could not be loaded: ${String((err as Error).message ?? err).split('\n')[0]}`,
    );
  }
  if (req.mirror.waitFor) await new Promise((r) => setTimeout(r, req.mirror.waitFor ?? 0));
  const collected = await analyseSettled(page, req, opts);
  return {
    ok: true,
    run: {
      source: loaded.source,
      urlHttpCode: loaded.status,
      pageTitle: collected.title,
      rules: collected.rules,
      testsRun: collected.testsRun,
      clientScriptErrors,
      apiErrors: collected.apiErrors,
      startTime,
      endTime: now(),
    },
  };
}

/** One test run; resolves with the raw run or a Tenon error, never rejects for a bad page. */
export async function runTest(
  browser: Browser,
  req: TenonRequest,
  opts: EngineOptions = {},
): Promise<EngineOutcome> {
  const deadlineMs =
    opts.deadlineMs ?? (opts.navigationTimeoutMs ?? 15_000) + (req.mirror.waitFor ?? 0) + 20_000;
  let context: BrowserContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<EngineOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve(unreachable(`the test did not finish within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  // The context is made inside the race too: a wedged browser must not hang the caller either.
  const work = (async (): Promise<EngineOutcome> => {
    context = await browser.createBrowserContext();
    if (opts.session) await restoreSession(context, opts.session);
    return runIn(context, req, opts);
  })().catch((err: unknown): EngineOutcome =>
    err instanceof TenonError
      ? { ok: false, error: err.body }
      : { ok: false, error: tenonStatus('internal_server_error', String((err as Error).message ?? err)) },
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    // Closing the context also ends whatever the page is still doing after a deadline; a
    // context still being made when the deadline struck is closed as soon as it exists.
    if (context) await context.close().catch(() => undefined);
    else void work.then(() => context?.close().catch(() => undefined));
  }
}

/** A whole Tenon answer: the response on success, the error body (with its status) otherwise. */
export async function testPage(
  browser: Browser,
  req: TenonRequest,
  opts: EngineOptions & BuildOptions = {},
): Promise<TenonResponse | TenonErrorBody> {
  const receivedAt = opts.receivedAt ?? (opts.now ?? Date.now)();
  const out = await runTest(browser, req, opts);
  if (!out.ok) return out.error;
  return buildResponse(out.run, req.mirror, { ...opts, receivedAt });
}
