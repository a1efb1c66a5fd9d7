/**
 * Runs one test case: one trace in one browser, in a fresh browser context. It never hangs:
 * every browser call is bounded by the step timeout (plus a little grace for the browser to
 * answer), and the run's signal cuts it short when Herald stops or the build's time is up.
 */
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import type { Cidr } from '../../network/policy.ts';
import { newScreenshotToken } from '../../domain/ids.ts';
import { describeStep, substitute } from '../../domain/steps.ts';
import type { Build, BuildRun, RunError, RunOutcome } from '../../domain/builds.ts';
import { BrowserUnavailableError, type BrowserPool } from '../../browsers/pool.ts';
import { executeStep, StepFailure } from './execute.ts';

/** Why a run's signal fired: Herald stopping (the run is handed back) or the build's deadline. */
export type { AbortReason } from '../../runs/kind.ts';

/** Thrown when Herald stops mid-run: nothing is recorded and the run is queued again. */
export class RunInterrupted extends Error {}

export interface RunOptions {
  pool: BrowserPool;
  stepTimeoutMs: number;
  allowlist: readonly Cidr[];
  /** Aborted with an AbortReason. */
  signal: AbortSignal;
  buildTimeoutMs: number;
}

/** Extra time a browser gets to report a step's own timeout before the step is abandoned. */
const GRACE_MS = 2000;
const SETUP_TIMEOUT_MS = 15_000;
const SCREENSHOT_TIMEOUT_MS = 5000;

class Abandoned extends Error {}

/** Resolves like `p`, or rejects after `ms` (Abandoned) or when the signal fires. */
function bounded<T>(p: Promise<T>, ms: number, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(() => reject(new Abandoned(`${what} did not answer within ${ms} ms`))),
      ms,
    );
    const onAbort = () => finish(() => reject(signal.reason as Error));
    signal.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void) {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    }
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

const firstLine = (err: unknown): string => ((err as Error).message ?? String(err)).split('\n')[0]!.trim();

async function screenshot(page: Page | null): Promise<RunOutcome['screenshot']> {
  if (!page) return null;
  try {
    const png = await bounded(
      page.screenshot({ type: 'png' }),
      SCREENSHOT_TIMEOUT_MS,
      new AbortController().signal,
      'screenshot',
    );
    return { token: newScreenshotToken(), png };
  } catch {
    return null;
  }
}

export async function runTestCase(run: BuildRun, build: Build, o: RunOptions): Promise<RunOutcome> {
  // A test case's time is its steps': starting the browser and a context is not counted.
  let started = performance.now();
  const outcome = (
    error: RunError | null,
    failedStep: number | null,
    shot: RunOutcome['screenshot'],
  ): RunOutcome => ({
    status: error === null ? 'passed' : 'failed',
    durationMs: performance.now() - started,
    error,
    failedStep,
    screenshot: shot,
    finishedAt: Date.now(),
  });
  /** Whatever was happening, a fired signal decides: hand back, or fail for the deadline. */
  const aborted = async (where: string, page: Page | null, step: number | null): Promise<RunOutcome> => {
    if (o.signal.reason === 'deadline') {
      const message = `The build ran out of time (HERALD_BUILD_TIMEOUT_MS is ${o.buildTimeoutMs} ms) ${where}`;
      return outcome({ type: 'error', message }, step, await screenshot(page));
    }
    throw new RunInterrupted('Herald is stopping');
  };

  let browser: Browser;
  const acquiring = o.pool.acquire(run.browser);
  try {
    browser = await bounded(acquiring, SETUP_TIMEOUT_MS * 4, o.signal, `starting ${run.browser}`);
  } catch (err) {
    // If the browser turns up after all, it is not this run's any more.
    acquiring.then(
      () => o.pool.release(run.browser),
      () => undefined,
    );
    if (o.signal.aborted) return aborted(`before ${run.browser} started`, null, null);
    const message =
      err instanceof BrowserUnavailableError
        ? err.message
        : `Browser "${run.browser}" could not be started: ${firstLine(err)}`;
    return outcome({ type: 'error', message }, null, null);
  }

  let context: BrowserContext | null = null;
  let page: Page;
  let refusals: () => number;
  try {
    try {
      context = await bounded(browser.createBrowserContext(), SETUP_TIMEOUT_MS, o.signal, 'the browser');
      page = await bounded(context.newPage(), SETUP_TIMEOUT_MS, o.signal, 'the browser');
      await bounded(page.setViewport(build.viewport), SETUP_TIMEOUT_MS, o.signal, 'the browser');
      const proxy = await o.pool.proxy();
      refusals = () => proxy.refusals;
      started = performance.now();
    } catch (err) {
      if (o.signal.aborted) return await aborted('before the first step', null, null);
      return outcome(
        { type: 'error', message: `${run.browser} failed to open a page: ${firstLine(err)}` },
        null,
        null,
      );
    }
    for (const [i, raw] of run.steps.entries()) {
      const name = describeStep(i, raw).replace(/^s/, 'S');
      const sub = substitute(raw, build.parameters);
      if (!sub.ok) {
        const message = `${name}: uses \${${sub.missing}}, but the build has no parameter "${sub.missing}"`;
        return outcome({ type: 'error', message }, i, await screenshot(page));
      }
      const timeoutMs =
        raw.action === 'waitFor' && raw.timeoutMs !== undefined ? raw.timeoutMs : o.stepTimeoutMs;
      try {
        await bounded(
          executeStep(page, sub.step, {
            baseUrl: build.baseUrl,
            timeoutMs,
            allowlist: o.allowlist,
            refusals,
          }),
          timeoutMs + GRACE_MS,
          o.signal,
          run.browser,
        );
      } catch (err) {
        if (o.signal.aborted) return await aborted(`during ${name.replace(/^S/, 's')}`, page, i);
        const failure =
          err instanceof StepFailure
            ? err
            : err instanceof Abandoned
              ? new StepFailure('error', `timed out after ${timeoutMs} ms (${err.message})`)
              : new StepFailure('error', firstLine(err));
        return outcome(
          { type: failure.type, message: `${name}: ${failure.message}` },
          i,
          await screenshot(page),
        );
      }
    }
    return outcome(null, null, null);
  } finally {
    if (context)
      await bounded(context.close(), SCREENSHOT_TIMEOUT_MS, new AbortController().signal, 'close').catch(
        () => undefined,
      );
    o.pool.release(run.browser);
  }
}
