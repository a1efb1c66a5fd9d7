import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { HeraldError, type ErrorCode } from '../domain/errors.ts';
import type { ConsoleUser } from '../domain/console.ts';
import type { SafeHtml } from './html.ts';
import type { Flash, View } from './layout.ts';
import { csrfToken } from './csrf.ts';
import { cookieName, cookieOptions } from './session.ts';

const FLASH_COOKIE = 'herald_flash';

/**
 * Content-Security-Policy: only this origin's script and style, no inline script, no framing,
 * forms only to this origin. Escaping is the defence against injected markup; this is the
 * second wall behind it.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'same-origin');
}

/** The page context: who is signed in, a CSRF token for the forms, and a one-time message. */
export function viewOf(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): View {
  let flash: Flash | null = null;
  const flashName = cookieName(FLASH_COOKIE, req, ctx);
  const rawFlash = req.cookies[flashName];
  if (rawFlash) {
    try {
      const parsed = JSON.parse(Buffer.from(rawFlash, 'base64url').toString('utf8')) as Partial<Flash>;
      if ((parsed.kind === 'success' || parsed.kind === 'error') && typeof parsed.text === 'string')
        flash = { kind: parsed.kind, text: parsed.text.slice(0, 500) };
    } catch {
      // A mangled cookie is simply dropped.
    }
    reply.clearCookie(flashName, cookieOptions(req, ctx));
  }
  const csrf = csrfToken(ctx, req, reply);
  return { user: req.consoleUser, csrf, flash };
}

export function sendPage(reply: FastifyReply, body: SafeHtml, status = 200): FastifyReply {
  // Pages show secrets and live state: never cached, never stored.
  reply.header('cache-control', 'no-store');
  return reply.status(status).type('text/html; charset=utf-8').send(body.value);
}

/** POST → redirect → GET, carrying a one-time message to the next page. */
export function redirectWith(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  location: string,
  flash?: Flash,
): FastifyReply {
  if (flash)
    reply.setCookie(
      cookieName(FLASH_COOKIE, req, ctx),
      Buffer.from(JSON.stringify(flash)).toString('base64url'),
      {
        ...cookieOptions(req, ctx),
        maxAge: 60,
      },
    );
  return reply.redirect(location, 303);
}

/** The signed-in user; routes are only reached with one (see index.ts), this narrows the type. */
export function userOf(req: FastifyRequest): ConsoleUser {
  if (!req.consoleUser) throw new HeraldError('UNAUTHORIZED', 'Sign in first');
  return req.consoleUser;
}

export function requireAdminUser(req: FastifyRequest): ConsoleUser {
  const user = userOf(req);
  if (user.role !== 'admin') throw new HeraldError('FORBIDDEN', 'Only admins may do this');
  return user;
}

/** Only paths on this site, so `?next=` cannot send anyone elsewhere after sign-in. */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\'))
    return '/';
  if (/\p{Cc}/u.test(raw) || raw.length > 2000) return '/';
  return raw;
}

/** A form field as a single trimmed string (formbody gives arrays for repeated names). */
export function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : '';
}

/** Every value of a repeated field (checkboxes). */
export function fields(body: unknown, name: string): string[] {
  const v = (body as Record<string, unknown> | null | undefined)?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is string => typeof x === 'string');
}

/**
 * The service's answer, with a not-found error (`code`) said the way a page says it:
 * services name ids, a page tells a person what may have happened.
 */
export async function orMissing<T>(answer: Promise<T>, code: ErrorCode, message: string): Promise<T> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof HeraldError && err.code === code) throw new HeraldError(code, message);
    throw err;
  }
}
