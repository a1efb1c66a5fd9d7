/**
 * Sign-in for site monitors: runs a login trace (the build trace format, its `${name}`
 * placeholders filled from the site's loginParameters) in the slot's browser context, and
 * hands back the session it left: cookies, and each origin's localStorage and sessionStorage.
 * The slot's pages then run in that same context (or in another one given the session with
 * `restoreSession`), so they are tested as the signed-in user.
 *
 * A sign-in fails with a reason a user can act on: the step that failed and why, a parameter
 * the trace uses that the site does not define, or, when every step passed, a sign-in form
 * still on screen (a wrong password usually ends there). Traces should end with a `waitFor` or
 * `assertText` on something only a signed-in user sees.
 */
import type { BrowserContext, Cookie, CookieData, Page } from 'puppeteer-core';
import { describeStep, substitute, type Step } from '../domain/steps.ts';
import { executeStep, StepFailure, type StepContext } from '../builds/runner/execute.ts';

export interface Session {
  cookies: Cookie[];
  /** Web storage of the origin the trace ended on. */
  storage: { origin: string; local: Record<string, string>; session: Record<string, string> } | null;
}

export type SignInResult = { ok: true; session: Session; landedOn: string } | { ok: false; reason: string };

export interface SignInInput {
  context: BrowserContext;
  steps: readonly Step[];
  parameters: Readonly<Record<string, string>>;
  /** What relative `open` URLs resolve against: the site URL. */
  baseUrl: string;
  step: Omit<StepContext, 'baseUrl'>;
}

/** A visible password field: the sign-in form is still there. */
const PASSWORD_FIELD = 'input[type="password"]';

async function storageOf(page: Page): Promise<Session['storage']> {
  const url = URL.parse(page.url());
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  const dump = await page
    .evaluate(() => {
      const all = (s: Storage) =>
        Object.fromEntries(
          Array.from({ length: s.length }, (_, i) => s.key(i)!).map((k) => [k, s.getItem(k)!]),
        );
      return { local: all(localStorage), session: all(sessionStorage) };
    })
    .catch(() => ({ local: {}, session: {} }));
  return { origin: url.origin, ...dump };
}

export async function signIn(input: SignInInput): Promise<SignInResult> {
  const page = await input.context.newPage();
  const ctx: StepContext = { ...input.step, baseUrl: input.baseUrl };
  try {
    for (const [i, raw] of input.steps.entries()) {
      const filled = substitute(raw, input.parameters);
      if (!filled.ok)
        return {
          ok: false,
          reason: `sign-in trace step ${i + 1} uses \${${filled.missing}}, which the site's loginParameters do not define`,
        };
      try {
        await executeStep(page, filled.step, ctx);
      } catch (err) {
        const why =
          err instanceof StepFailure ? err.message : ((err as Error).message ?? String(err)).split('\n')[0];
        // Named from the trace as written: the filled-in step would show the password.
        return { ok: false, reason: `sign-in failed at ${describeStep(i, raw)}: ${why}` };
      }
    }
    // A submit may still be navigating: let the page settle before judging where it ended.
    await page.waitForNetworkIdle({ idleTime: 200, timeout: ctx.timeoutMs }).catch(() => undefined);
    const formStillShown = await page
      .$eval(PASSWORD_FIELD, (el) => (el as unknown as { checkVisibility(): boolean }).checkVisibility())
      .catch(() => false);
    if (formStillShown)
      return {
        ok: false,
        reason: `sign-in failed: the sign-in form is still shown on ${page.url()} after the trace (wrong username or password?)`,
      };
    const cookies = await input.context.cookies();
    return { ok: true, session: { cookies, storage: await storageOf(page) }, landedOn: page.url() };
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Gives another browser context the session (cookies now; storage on each of its pages). */
export async function restoreSession(context: BrowserContext, session: Session): Promise<void> {
  if (session.cookies.length > 0) await context.setCookie(...(session.cookies as CookieData[]));
}

/** Puts the session's web storage into a page before any of its scripts run. */
export async function restoreStorage(page: Page, session: Session): Promise<void> {
  const s = session.storage;
  if (!s) return;
  await page.evaluateOnNewDocument(
    (origin: string, local: Record<string, string>, sess: Record<string, string>) => {
      if ((globalThis as unknown as { location: { origin: string } }).location.origin !== origin) return;
      for (const [k, v] of Object.entries(local)) localStorage.setItem(k, v);
      for (const [k, v] of Object.entries(sess)) sessionStorage.setItem(k, v);
    },
    s.origin,
    s.local,
    s.session,
  );
}
