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

/**
 * HTTPS as the browser sees it: directly, by configuration (HERALD_PUBLIC_URL https), or
 * behind a proxy that says so in X-Forwarded-Proto, which counts only with HERALD_TRUST_PROXY
 * (Fastify's req.protocol reads the header only then).
 */
export function isHttps(req: FastifyRequest, ctx: AppContext): boolean {
  return req.protocol === 'https' || ctx.config.publicUrl.startsWith('https:');
}

/**
 * Over HTTPS every console cookie is named `__Host-…`: browsers then only accept it when it
 * is Secure, has Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP page
 * can plant or overwrite it.
 */
export function cookieName(base: string, req: FastifyRequest, ctx: AppContext): string {
  return isHttps(req, ctx) ? `__Host-${base}` : base;
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
  reply.setCookie(cookieName(SESSION_COOKIE, req, ctx), token, {
    ...cookieOptions(req, ctx),
    maxAge: SESSION_TTL_MS / 1000,
  });
  req.consoleUser = user;
  req.consoleSession = session;
}

export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (req.consoleSession) await ctx.services.users.endSession(req.consoleSession.id);
  reply.clearCookie(cookieName(SESSION_COOKIE, req, ctx), cookieOptions(req, ctx));
  req.consoleUser = null;
  req.consoleSession = null;
}

/** Reads the session cookie; sets req.consoleUser when it names a live session. */
export async function loadSession(ctx: AppContext, req: FastifyRequest): Promise<void> {
  const token = req.cookies[cookieName(SESSION_COOKIE, req, ctx)];
  if (!token) return;
  const found = await ctx.services.users.session(token);
  if (!found) return;
  req.consoleUser = found.user;
  req.consoleSession = found.session;
}
