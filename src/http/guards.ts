import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { HeraldError } from '../domain/errors.ts';

/**
 * Collapses repeated slashes in the path (not the query), before routing: a CI client whose
 * base URL ends in `/` sends `//api/trace/…/execute`. Rewriting `req.url` itself, rather than
 * letting the router ignore the slashes, means every hook that looks at the path (the API
 * key check on `/api/`) sees the same path the router matched.
 */
export function normalisePath(url: string): string {
  const q = url.search(/[?#]/);
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.includes('//')) return url;
  return path.replace(/\/{2,}/g, '/') + (q === -1 ? '' : url.slice(q));
}

/** Probes and scrapers address a pod or host directly, and these answers reveal nothing to a page. */
const ANY_HOST = new Set(['/healthz', '/readyz', '/metrics']);

/** The host name of a Host header value, without port or IPv6 brackets. */
function hostname(host: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (m) return m[1]!;
  return host.replace(/:\d+$/, '');
}

/**
 * DNS rebinding: a page on evil.example whose name is re-pointed at 127.0.0.1 reaches a local
 * Herald as same-origin, but its requests still say `Host: evil.example`. When the operator
 * named the public URL, a request for any other *name* is refused with 421 Misdirected Request
 * (the request is fine, it was sent to a server that does not serve that name; 400 would blame
 * its syntax). Addresses written as IP literals, and `localhost`, are let through: a rebinding
 * attack needs a name the attacker controls, and probes, scrapers and an operator's curl
 * address the machine directly.
 */
export function hostGuard(config: Config): ((req: FastifyRequest) => void) | null {
  if (!config.publicUrlConfigured) return null;
  const expected = new URL(config.publicUrl).host.toLowerCase();
  return (req) => {
    const host = (req.host ?? '').toLowerCase();
    if (host === expected) return;
    const name = hostname(host);
    if (isIP(name) !== 0 || name === 'localhost') return;
    if (ANY_HOST.has(req.url.split('?')[0]!)) return;
    throw new HeraldError(
      'MISDIRECTED_REQUEST',
      `This Herald answers only for ${expected} (HERALD_PUBLIC_URL); the request was for ${host || 'no host'}`,
    );
  };
}

/** Node's per-connection timers, so a client that trickles bytes cannot hold a socket forever. */
export function serverTimeouts(config: Config): {
  connectionTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number };
} {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs } = config;
  return {
    // Idle sockets (connected, nothing sent) are closed after this much silence.
    connectionTimeout: requestTimeoutMs,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      headersTimeout: headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks the header and request deadlines on this timer (default 30 s, which would
      // let a socket outlive its deadline by that much).
      connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(headersTimeoutMs / 4))),
    },
  };
}
