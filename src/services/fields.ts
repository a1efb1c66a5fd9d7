/**
 * Field rules the build-system services share, beyond what a request schema can say. Each
 * failure names the field (`path`) so the API's 400 and the console's form both point at it.
 */
import { HeraldError } from '../domain/errors.ts';

/**
 * An absolute http(s) URL, or INVALID_URL naming the field. A shape check only: which
 * networks a build may open is the network policy's (src/network/policy.ts), checked when a
 * build starts and before each navigation.
 */
export function checkHttpUrl(url: string, path: string): string {
  if (!isHttpUrl(url))
    throw new HeraldError('INVALID_URL', `${path.slice(1)} must be an absolute http(s) URL`, [
      { path, message: 'must be an absolute http(s) URL' },
    ]);
  return url;
}

export function isHttpUrl(url: string): boolean {
  const u = URL.parse(url);
  return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/** The value without surrounding blanks, or VALIDATION_FAILED when nothing is left. */
export function notBlank(value: string, path: string): string {
  const v = value.trim();
  if (v === '')
    throw new HeraldError('VALIDATION_FAILED', `${path.slice(1)} must not be blank`, [
      { path, message: 'must not be blank' },
    ]);
  return v;
}
