/**
 * Executes one step on a page. A step either completes or throws a StepFailure whose message
 * says what went wrong in words a tester understands ("no visible element matches "#login"
 * within 5000 ms"), typed `failure` for an assertion that did not hold and `error` otherwise.
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import { BLOCKED_BY_POLICY } from '../../network/lookup.ts';
import { checkTargetUrl, type Cidr } from '../../network/policy.ts';
import { BLOCKED_HEADER } from '../../network/proxy.ts';
import type { Step } from '../../domain/steps.ts';

export class StepFailure extends Error {
  readonly type: 'error' | 'failure';
  constructor(type: 'error' | 'failure', message: string) {
    super(message);
    this.name = 'StepFailure';
    this.type = type;
  }
}

export interface StepContext {
  baseUrl: string;
  timeoutMs: number;
  allowlist: readonly Cidr[];
  /** How many requests the browsers' proxy has refused so far. */
  refusals: () => number;
}

const POLL_MS = 100;
const q = (s: string): string => JSON.stringify(s.length > 200 ? `${s.slice(0, 197)}...` : s);

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e.name === 'TimeoutError' || /timeout|exceeded/i.test(e.message ?? '');
}

/** The first line of a browser error, without puppeteer's stack-ish suffixes. */
function reason(err: unknown): string {
  return ((err as Error).message ?? String(err)).split('\n')[0]!.trim();
}

export function resolveUrl(url: string, baseUrl: string, allowlist: readonly Cidr[]): string {
  const resolved = URL.parse(url, baseUrl);
  if (!resolved || (resolved.protocol !== 'http:' && resolved.protocol !== 'https:'))
    throw new StepFailure('error', `${q(url)} is not an http(s) URL once resolved against ${q(baseUrl)}`);
  const check = checkTargetUrl(resolved.href, allowlist);
  if (!check.ok)
    throw new StepFailure('error', `cannot open ${resolved.href}: ${BLOCKED_BY_POLICY} (${check.message})`);
  return resolved.href;
}

async function visible(page: Page, selector: string, timeoutMs: number): Promise<ElementHandle> {
  try {
    const el = await page.waitForSelector(selector, { visible: true, timeout: timeoutMs });
    if (el) return el;
  } catch (err) {
    if (!isTimeout(err)) throw new StepFailure('error', `cannot find ${q(selector)}: ${reason(err)}`);
  }
  throw new StepFailure('error', `no visible element matches ${q(selector)} within ${timeoutMs} ms`);
}

/**
 * Assertions retry until they hold or the step's time is up (pages change after a click), and
 * then report what was there instead.
 */
async function eventually(
  timeoutMs: number,
  probe: () => Promise<{ ok: boolean; actual: string }>,
  failure: (actual: string) => StepFailure,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { ok, actual } = await probe();
    if (ok) return;
    if (Date.now() >= deadline) throw failure(actual);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function textOf(page: Page, selector: string): Promise<string | null> {
  try {
    const el = await page.$(selector);
    if (!el) return null;
    try {
      return await el.evaluate((e) => String(e.innerText ?? e.textContent ?? ''));
    } finally {
      await el.dispose();
    }
  } catch {
    return null;
  }
}

export async function executeStep(page: Page, step: Step, ctx: StepContext): Promise<void> {
  const t = ctx.timeoutMs;
  switch (step.action) {
    case 'open': {
      const url = resolveUrl(step.url, ctx.baseUrl, ctx.allowlist);
      const refusedBefore = ctx.refusals();
      const blocked = () => new StepFailure('error', `cannot open ${url}: ${BLOCKED_BY_POLICY}`);
      let response;
      try {
        response = await page.goto(url, { waitUntil: 'load', timeout: t });
      } catch (err) {
        // A refused CONNECT (https) shows as a tunnel or proxy error, with no page to look at.
        if (ctx.refusals() > refusedBefore && /TUNNEL|PROXY/i.test(reason(err))) throw blocked();
        if (isTimeout(err)) throw new StepFailure('error', `${url} did not load within ${t} ms`);
        throw new StepFailure('error', `cannot open ${url}: ${reason(err)}`);
      }
      // The page (after any redirects) is the proxy's refusal, not the site's.
      if (response?.headers()[BLOCKED_HEADER] !== undefined) throw blocked();
      return;
    }
    case 'click': {
      const el = await visible(page, step.selector, t);
      try {
        await el.click();
      } catch (err) {
        throw new StepFailure('error', `cannot click ${q(step.selector)}: ${reason(err)}`);
      } finally {
        await el.dispose().catch(() => undefined);
      }
      return;
    }
    case 'type': {
      const el = await visible(page, step.selector, t);
      try {
        await el.evaluate((e) => {
          if ('value' in e) e.value = '';
        });
        await el.type(step.text);
      } catch (err) {
        throw new StepFailure('error', `cannot type into ${q(step.selector)}: ${reason(err)}`);
      } finally {
        await el.dispose().catch(() => undefined);
      }
      return;
    }
    case 'waitFor': {
      const el = await visible(page, step.selector, step.timeoutMs ?? t);
      await el.dispose().catch(() => undefined);
      return;
    }
    case 'assertText': {
      let found = false;
      await eventually(
        t,
        async () => {
          const text = await textOf(page, step.selector);
          found ||= text !== null;
          return { ok: text !== null && text.includes(step.text), actual: text ?? '' };
        },
        (actual) =>
          found
            ? new StepFailure(
                'failure',
                `expected ${q(step.selector)} to contain ${q(step.text)}, but its text is ${q(actual.trim())}`,
              )
            : new StepFailure('error', `no element matches ${q(step.selector)} within ${t} ms`),
      );
      return;
    }
    case 'assertTitle': {
      await eventually(
        t,
        async () => {
          const title = await page.title().catch(() => '');
          return { ok: title.trim() === step.text.trim(), actual: title };
        },
        (actual) =>
          new StepFailure('failure', `expected the title to be ${q(step.text)}, but it is ${q(actual)}`),
      );
      return;
    }
    case 'assertUrl': {
      await eventually(
        t,
        async () => {
          const url = page.url();
          return { ok: url.includes(step.contains), actual: url };
        },
        (actual) =>
          new StepFailure(
            'failure',
            `expected the URL to contain ${q(step.contains)}, but it is ${q(actual)}`,
          ),
      );
      return;
    }
  }
}
