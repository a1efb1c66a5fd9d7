import type { FastifyRequest } from 'fastify';
import { HeraldError } from '../domain/errors.ts';
import { isAnyId } from '../domain/ids.ts';
import type { ApiKey } from '../domain/types.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKey | null;
  }
}

/** The caller's key; routes under /api are never reached without one. */
export function auth(req: FastifyRequest): ApiKey {
  if (!req.apiKey) throw new HeraldError('UNAUTHORIZED');
  return req.apiKey;
}

export function requireAdmin(req: FastifyRequest): ApiKey {
  const key = auth(req);
  if (key.role !== 'admin') throw new HeraldError('FORBIDDEN', 'This needs an admin key');
  return key;
}

export function pageLimit(raw: string | undefined, fallback = 20): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new HeraldError('VALIDATION_FAILED', 'limit must be between 1 and 100', [
      { path: '/limit', message: 'must be between 1 and 100' },
    ]);
  return n;
}

/** Cursors are ids Herald gave out; anything else is refused before it reaches a query. */
export function cursor(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!isAnyId(raw))
    throw new HeraldError('INVALID_CURSOR', 'cursor must be a nextCursor value from a previous page');
  return raw;
}

/** Lists fetch one extra row to know whether a next page exists. */
export function toPage<T extends { id: string }>(
  rows: T[],
  limit: number,
): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? (data[data.length - 1]?.id ?? null) : null };
}
