import { HeraldError } from '../domain/errors.ts';

// Postgres: admin/crash shutdown, cannot connect now; class 08 is every connection exception.
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03']);
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// SQLite primary result codes (extended codes carry them in the low byte): BUSY, LOCKED, IOERR, FULL.
const SQLITE_UNAVAILABLE = new Set([5, 6, 10, 13]);
const SQLITE_NAMES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL)/;

/**
 * Whether `err` means "the database cannot be reached or cannot take writes right now" rather
 * than a bug or a constraint: the caller may retry later, and a client is told 503.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof HeraldError) return err.code === 'SERVICE_UNAVAILABLE';
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errcode?: unknown; errstr?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code) || NET_CODES.has(code)) return true;
  if (typeof e.errcode === 'number' && SQLITE_UNAVAILABLE.has(e.errcode & 0xff)) return true;
  if (
    typeof e.errstr === 'string' &&
    /database is (locked|busy)|disk I\/O|database or disk is full/.test(e.errstr)
  )
    return true;
  if (SQLITE_NAMES.test(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/.test(
    message,
  );
}

/** The typed error a connection-class failure becomes at the seam; anything else unchanged. */
export function translateFault(err: unknown, what: string): unknown {
  if (err instanceof HeraldError || !isUnavailable(err)) return err;
  const error = new HeraldError('SERVICE_UNAVAILABLE', `${what}: database unavailable`);
  (error as { cause?: unknown }).cause = err;
  return error;
}
