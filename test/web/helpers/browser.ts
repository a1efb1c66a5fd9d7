import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/**
 * Debian's Chromium driven by puppeteer-core, for the console's browser tests. One browser
 * per test file; every page refuses any request that is not to loopback, so a test can
 * never reach the network.
 */
export const CHROMIUM = process.env.HERALD_CHROMIUM_PATH ?? '/usr/bin/chromium';

const AXE = readFileSync(new URL('../../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export interface TestBrowser {
  browser: Browser;
  /** A fresh page (its own cookies when `isolated`), with loopback-only networking. */
  newPage(opts?: { isolated?: boolean }): Promise<TestPage>;
  close(): Promise<void>;
}

export interface TestPage {
  page: Page;
  /** Messages of every alert/confirm/prompt the page opened (an XSS would land here). */
  dialogs: string[];
  /** Requests refused because they were not to loopback. */
  blocked: string[];
  /** Uncaught errors in the page's own script. */
  errors: string[];
}

function isLoopback(raw: string): boolean {
  const u = URL.parse(raw);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'about:' || u.protocol === 'blob:') return true;
  return u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
}

export async function launchBrowser(): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'herald-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
      '--disable-quic',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    browser,
    async newPage(opts = {}) {
      const context = opts.isolated ? await browser.createBrowserContext() : browser.defaultBrowserContext();
      const page = await context.newPage();
      const t: TestPage = { page, dialogs: [], blocked: [], errors: [] };
      page.on('dialog', (d) => {
        t.dialogs.push(d.message());
        void d.dismiss();
      });
      page.on('pageerror', (err) => t.errors.push(String(err)));
      await page.setRequestInterception(true);
      page.on('request', (req) => {
        if (isLoopback(req.url())) return void req.continue();
        t.blocked.push(req.url());
        void req.abort('blockedbyclient');
      });
      page.setDefaultTimeout(15_000);
      return t;
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core on the page as it is now and fails on any serious or critical violation.
 * The script is evaluated through DevTools, so the console's CSP (no inline script) stays on.
 */
export async function assertAccessible(page: Page, label?: string): Promise<void> {
  // A string is evaluated by DevTools itself (Runtime.evaluate), which the page's CSP does not govern.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE);
  const violations: AxeViolation[] = await page.evaluate(async () => {
    type Result = { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> };
    const axe = (
      globalThis as unknown as {
        axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Result[] }> };
      }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `axe: serious or critical violations on ${label ?? page.url()}`);
}

/** Clicks a link or button by its visible text and waits for the page it leads to. */
export async function follow(page: Page, selector: string, text: string): Promise<void> {
  const handle = await page.waitForSelector(
    `::-p-xpath(//${selector}[normalize-space(.)=${JSON.stringify(text)}])`,
  );
  assert.ok(handle, `no ${selector} "${text}"`);
  await Promise.all([page.waitForNavigation(), handle.click()]);
}

export async function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (el) => (el as unknown as { innerText: string }).innerText);
}
