/**
 * Type-by-type comparison of a response against Tenon's real 2016 response: every field the
 * reference has must be present with the same JSON type (arrays element by element against
 * the reference's first element), and no field may appear that the reference lacks, except
 * the few listed. Returns the differences as readable paths, [] when the shapes agree.
 */
import { readFileSync } from 'node:fs';

export const REFERENCE = JSON.parse(
  readFileSync('/work/shared/reference/tenon-test-api-response-2016.json', 'utf8'),
) as Record<string, unknown>;

/** Where the reference shows one of several legal types (waitFor is null until set). */
const ALSO: Record<string, string[]> = { 'request.waitFor': ['number'] };
/** Fields Herald adds that the reference cannot show: the URL mirror is absent for `src`. */
const OPTIONAL = new Set(['request.url']);
const EXTRA = new Set(['request.callback']);

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export function shapeDiff(ref: unknown, actual: unknown, path = ''): string[] {
  const want = typeOf(ref);
  const got = typeOf(actual);
  if (want !== got && !(ALSO[path] ?? []).includes(got))
    return [`${path || '(root)'}: ${want} expected, ${got} found`];
  if (want === 'array' && got === 'array') {
    const sample = (ref as unknown[])[0];
    if (sample === undefined) return [];
    return (actual as unknown[]).flatMap((el, i) => shapeDiff(sample, el, `${path}[${i}]`));
  }
  if (want !== 'object' || got !== 'object') return [];
  const r = ref as Record<string, unknown>;
  const a = actual as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(r)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in a)) {
      if (!OPTIONAL.has(p)) out.push(`${p}: missing`);
      continue;
    }
    out.push(...shapeDiff(r[k], a[k], p));
  }
  for (const k of Object.keys(a)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in r) && !EXTRA.has(p)) out.push(`${p}: not in the reference`);
  }
  return out;
}
