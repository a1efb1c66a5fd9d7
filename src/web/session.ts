import { createHash, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { AppContext } from '../context.ts';
import { newId } from '../domain/ids.ts';
import type { ConsoleSession, ConsoleUser } from '../domain/console.ts';

/**
 * Console sessions: a random token in an HttpOnly, SameSite=Lax cookie (Secure behind
 * HTTPS); the database keeps only its sha256. Sessions slide: each use pushes the expiry
 * out, at most once an hour so browsing does not write on every request.
 */
export const SESSION_COOKIE = 'herald_session';
export const SESSION_TTL_MS = 7 * 86_400_000;
const EXTEND_AFTER_MS = 3_600_000;

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

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export async function startSession(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  user: ConsoleUser,
): Promise<void> {
  const now = Date.now();
  // Sign-in is rare enough to tidy up here instead of in a timer.
  await ctx.store.console.purgeSessions(now);
  const token = randomBytes(32).toString('base64url');
  const session: ConsoleSession = {
    id: newId('session', now),
    tokenHash: hashToken(token),
    userId: user.id,
    createdAt: now,
    expiresAt: now + SESSION_TTL_MS,
  };
  await ctx.store.console.createSession(session);
  reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(req, ctx), maxAge: SESSION_TTL_MS / 1000 });
  req.consoleUser = user;
  req.consoleSession = session;
}

export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.consoleSession) await ctx.store.console.deleteSession(req.consoleSession.id);
  reply.clearCookie(SESSION_COOKIE, cookieOptions(req, ctx));
  req.consoleUser = null;
  req.consoleSession = null;
}

/** Reads the session cookie; sets req.consoleUser when it names a live session. */
export async function loadSession(ctx: AppContext, req: FastifyRequest): Promise<void> {
  const token = req.cookies[SESSION_COOKIE];
  if (!token || token.length > 100) return;
  const now = Date.now();
  const found = await ctx.store.console.findSession(hashToken(token), now);
  if (!found) return;
  if (found.session.expiresAt - now < SESSION_TTL_MS - EXTEND_AFTER_MS)
    await ctx.store.console.extendSession(found.session.id, now + SESSION_TTL_MS);
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
