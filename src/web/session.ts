import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { AppContext } from '../context.ts';
import { SESSION_TTL_MS } from '../services/users.ts';
import type { ConsoleSession, ConsoleUser } from '../domain/console.ts';

/**
 * Console sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure behind
 * HTTPS); the database keeps only its sha256. Sessions slide: each use pushes the expiry
 * out, at most once an hour so browsing does not write on every request.
 */
export const SESSION_COOKIE = 'herald_session';
export { SESSION_TTL_MS };

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser: ConsoleUser | null;
    consoleSession: ConsoleSession | null;
  }
}

/** HTTPS as the browser sees it: directly, behind a proxy that says so, or by configuration. */
export function isHttps(req: FastifyRequest, ctx: AppContext): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return req.protocol === 'https' || proto === 'https' || ctx.config.publicUrl.startsWith('https:');
}

export function cookieOptions(req: FastifyRequest, ctx: AppContext): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: isHttps(req, ctx) };
}

export async function startSession(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: ConsoleUser,
): Promise<void> {
  const { token, session } = await ctx.services.users.startSession(user);
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(req, ctx), maxAge: SESSION_TTL_MS / 1000 });
  req.consoleUser = user;
  req.consoleSession = session;
}

export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.consoleSession) await ctx.services.users.endSession(req.consoleSession.id);
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req, ctx));
  req.consoleUser = null;
  req.consoleSession = null;
}

/** Reads the session cookie; sets req.consoleUser when it names a live session. */
export async function loadSession(ctx: AppContext, req: FastifyRequest): Promise<void> {
  const token = req.cookies[SESSION_COOKIE];
  if (!token) return;
  const found = await ctx.services.users.session(token);
  if (!found) return;
  req.consoleUser = found.user;
  req.consoleSession = found.session;
}

/**
 * Slows password guessing: after `limit` failures for one email (or many from one address)
 * within the window, sign-in is refused until the oldest failure ages out. In memory, per
 * process: enough to make guessing impractical without another table.
 */
export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #windowMs: number;
  readonly #limits: { email: number; ip: number };

  constructor(windowMs = 15 * 60_000, limits = { email: 10, ip: 100 }) {
    this.#windowMs = windowMs;
    this.#limits = limits;
  }

  #recent(key: string, now: number): number[] {
    const list = (this.#failures.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    if (list.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, list);
    return list;
  }

  /** Milliseconds until another try is allowed; 0 when it is allowed now. */
  waitMs(email: string, ip: string, now = Date.now()): number {
    let wait = 0;
    for (const [key, limit] of [
      [`e:${email}`, this.#limits.email],
      [`i:${ip}`, this.#limits.ip],
    ] as const) {
      const list = this.#recent(key, now);
      if (list.length >= limit) wait = Math.max(wait, list[list.length - limit]! + this.#windowMs - now);
    }
    return wait;
  }

  failed(email: string, ip: string, now = Date.now()): void {
    if (this.#failures.size > 50_000) this.#failures.clear();
    for (const key of [`e:${email}`, `i:${ip}`]) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  succeeded(email: string): void {
    this.#failures.delete(`e:${email}`);
  }
}
