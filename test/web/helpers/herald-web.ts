import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'puppeteer-core';
import type { TestHerald } from '../../helpers/herald.ts';

export const ADMIN = { email: 'admin@example.com', password: 'correct horse battery' };

/** Herald env for console tests: the admin user, and one attempt per delivery unless a test asks for more. */
export const WEB_ENV = {
  HERALD_ADMIN_EMAIL: ADMIN.email,
  HERALD_ADMIN_PASSWORD: ADMIN.password,
};

/**
 * Waits until the delivery reaches `status`. The worker records results in batches just after
 * the receiver answers, so the test asks the API (every 20 ms, bounded) instead of sleeping blind.
 */
export async function waitForDelivery(
  h: TestHerald,
  id: string,
  status: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.api('GET', `/api/deliveries/${id}`);
    if (res.body?.status === status) return;
    if (Date.now() > until)
      throw new Error(`delivery ${id} is ${res.body?.status}, not ${status}, after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A project.created event, as a project created through the projects API announces it. */
export function projectData(name: string) {
  return {
    object: 'project',
    projectID: crypto.randomUUID(),
    name,
    description: 'Project to do testing of my awesome website',
    dateAdded: Date.now(),
    lastmod: Date.now(),
    defaultItem: 1,
    apiDefaultCertainty: 0,
    apiDefaultLevel: 'AAA',
    apiDefaultPriority: 0,
    apiDefaultStore: 1,
    apiDefaultUAString: 'Mozilla/5.0',
    apiDefaultViewportHeight: 768,
    apiDefaultViewportWidth: 1024,
  };
}

/** Types into the input whose <label> reads `label`: proves the label is tied to its field. */
export async function fillByLabel(page: Page, label: string, value: string): Promise<void> {
  const id = await page.$$eval(
    'label',
    (labels, text) => {
      const l = labels.find(
        (x) =>
          (x as unknown as { textContent: string }).textContent.replace(/\s*\(optional\)\s*$/, '').trim() ===
          text,
      );
      return l ? (l as unknown as { htmlFor: string }).htmlFor : null;
    },
    label,
  );
  if (!id) throw new Error(`no label "${label}"`);
  await page.click(`#${id}`, { count: 3 });
  await page.keyboard.press('Backspace');
  await page.type(`#${id}`, value);
}

/** Signs in through the sign-in form. */
export async function signIn(page: Page, base: string, next = '/'): Promise<void> {
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.type('#login-email', ADMIN.email);
  await page.type('#login-password', ADMIN.password);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
}

/** The id of the focused element, or its text when it has none. */
export function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = (
      globalThis as unknown as { document: { activeElement: { id: string; textContent: string } | null } }
    ).document.activeElement;
    return el ? el.id || el.textContent.trim().replace(/\s+/g, ' ') : '';
  });
}
