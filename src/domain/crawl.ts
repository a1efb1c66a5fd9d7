/**
 * A site monitor's crawl settings and the pure rules of what a crawl may visit. A crawl starts
 * at the site URL and follows same-origin links and sitemap entries, breadth first, up to
 * `maxDepth` links away and `maxPages` pages; `include` / `exclude` are path prefixes.
 */
import { HeraldError } from './errors.ts';

export interface CrawlSettings {
  maxPages: number;
  maxDepth: number;
  /** Only paths starting with one of these (the site URL itself is always a page). */
  include?: string[] | undefined;
  /** Never paths starting with one of these. */
  exclude?: string[] | undefined;
}

export const CRAWL_LIMITS = { maxPages: [1, 500], maxDepth: [0, 10], prefixes: 50 } as const;
export const DEFAULT_CRAWL: CrawlSettings = { maxPages: 50, maxDepth: 3 };

/** A page's identity: http(s) only, without its fragment (the same document). Null otherwise. */
export function normalisePage(raw: string, base?: string): string | null {
  const u = URL.parse(raw, base);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return null;
  u.hash = '';
  return u.toString();
}

export type Scope = 'in' | 'offsite' | 'excluded';

/** Whether a (normalised) page belongs to the crawl of a site whose origin is `origin`. */
export function scopeOf(url: string, origin: string, crawl: CrawlSettings): Scope {
  const u = new URL(url);
  if (u.origin !== origin) return 'offsite';
  const path = u.pathname;
  if (crawl.exclude?.some((p) => path.startsWith(p))) return 'excluded';
  if (crawl.include && crawl.include.length > 0 && !crawl.include.some((p) => path.startsWith(p)))
    return 'excluded';
  return 'in';
}

const invalid = (path: string, message: string) =>
  new HeraldError('VALIDATION_FAILED', `${path} ${message}`, [{ path, message }]);

function prefixes(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw invalid(path, 'must be an array of path prefixes');
  if (v.length > CRAWL_LIMITS.prefixes)
    throw invalid(path, `must have at most ${CRAWL_LIMITS.prefixes} prefixes`);
  return v.map((p, i) => {
    if (typeof p !== 'string' || !p.startsWith('/') || p.length > 2000)
      throw invalid(`${path}/${i}`, 'must be a path starting with "/"');
    return p;
  });
}

function bounded(v: unknown, [min, max]: readonly [number, number], fallback: number, path: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalid(path, `must be a whole number from ${min} to ${max}`);
  return v;
}

/** A crawl field from a request: null (no crawl), or settings with their defaults filled in. */
export function parseCrawl(input: unknown, path = '/crawl'): CrawlSettings | null {
  if (input === null) return null;
  if (typeof input !== 'object' || Array.isArray(input)) throw invalid(path, 'must be an object or null');
  const o = input as Record<string, unknown>;
  const unknown = Object.keys(o).find((k) => !['maxPages', 'maxDepth', 'include', 'exclude'].includes(k));
  if (unknown !== undefined) throw invalid(`${path}/${unknown}`, 'is not allowed');
  const include = prefixes(o['include'], `${path}/include`);
  const exclude = prefixes(o['exclude'], `${path}/exclude`);
  return {
    maxPages: bounded(o['maxPages'], CRAWL_LIMITS.maxPages, DEFAULT_CRAWL.maxPages, `${path}/maxPages`),
    maxDepth: bounded(o['maxDepth'], CRAWL_LIMITS.maxDepth, DEFAULT_CRAWL.maxDepth, `${path}/maxDepth`),
    ...(include !== undefined && { include }),
    ...(exclude !== undefined && { exclude }),
  };
}
