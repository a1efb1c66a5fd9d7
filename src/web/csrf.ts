import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { HeraldError } from '../domain/errors.ts';
import { cookieName, cookieOptions } from './session.ts';

/**
 * CSRF tokens for the console's forms: a signed double-submit token, bound to the session.
 *
 * The browser holds a random secret in an HttpOnly cookie (`herald_csrf`, `__Host-herald_csrf`
 * over HTTPS). A form's token is `salt.mac`, where mac = HMAC(secret, binding | salt) and the
 * binding is the signed-in session (the hash of its token, which never leaves the server), or
 * "anonymous" on the sign-in and setup pages. A token therefore only works with the cookie it
 * was made for *and* in the session it was made in: a token taken from one session (or planted
 * together with a secret cookie by a sibling subdomain) is refused in another.
 */
const SECRET_COOKIE = 'herald_csrf';

function binding(req: FastifyRequest): string {
  return req.consoleSession ? `session:${req.consoleSession.tokenHash}` : 'anonymous';
}

function mac(secret: string, bound: string, salt: string): string {
  return createHmac('sha256', secret).update(`${bound}|${salt}`).digest('base64url');
}

/** A token for the forms of this page; sets the secret cookie when the browser has none. */
export function csrfToken(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): string {
  const name = cookieName(SECRET_COOKIE, req, ctx);
  let secret = req.cookies[name];
  if (!secret || secret.length < 32 || secret.length > 100) {
    secret = randomBytes(32).toString('base64url');
    reply.setCookie(name, secret, cookieOptions(req, ctx));
    // Later tokens made in this same request must use the new secret.
    req.cookies[name] = secret;
  }
  const salt = randomBytes(12).toString('base64url');
  return `${salt}.${mac(secret, binding(req), salt)}`;
}

/** Throws a 403 unless the request carries a token made for this browser and session. */
export function checkCsrf(ctx: AppContext, req: FastifyRequest): void {
  const secret = req.cookies[cookieName(SECRET_COOKIE, req, ctx)];
  const raw = (req.body as { _csrf?: unknown } | undefined)?._csrf;
  const token = Array.isArray(raw) ? raw[0] : raw;
  if (!secret || typeof token !== 'string' || !isValid(secret, binding(req), token))
    throw new HeraldError(
      'FORBIDDEN',
      'This form has expired or was sent from another site, so nothing was changed. Go back, reload the page and try again.',
    );
}

function isValid(secret: string, bound: string, token: string): boolean {
  const [salt, given, ...rest] = token.split('.');
  if (!salt || !given || rest.length > 0 || salt.length > 32) return false;
  const expected = Buffer.from(mac(secret, bound, salt));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
