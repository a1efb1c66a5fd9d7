import { findEventType } from '../domain/event-types.ts';
import { compileUserSchema, type UserSchema } from '../domain/json-schema.ts';
import type { Store } from '../store/store.ts';

/** A tenant's own event type as publishing needs it: the version and its compiled schema. */
export interface ResolvedType {
  version: number;
  schema: UserSchema;
}

const CACHE_LIMIT = 1000;
/**
 * Compiled schemas by tenant, name and version: a version never changes its schema (numbers
 * continue across a delete), so this never goes stale, and a publish costs one indexed read
 * of the type row, not a parse and hash of its schema.
 */
const compiled = new Map<string, UserSchema>();

/**
 * The tenant's own types among `names` (built-in names are skipped, so publishing only
 * built-in types reads nothing). A name that is neither is left out: the caller reports it.
 */
export async function resolveTenantTypes(
  store: Store,
  tenantId: string,
  names: Iterable<string>,
): Promise<Map<string, ResolvedType>> {
  const out = new Map<string, ResolvedType>();
  for (const name of new Set(names)) {
    if (findEventType(name)) continue;
    const t = await store.eventTypes.get(tenantId, name);
    if (!t) continue;
    const key = `${tenantId}\n${name}\n${t.version}`;
    let schema = compiled.get(key);
    if (!schema) {
      schema = compileUserSchema(JSON.parse(t.schema), '/schema');
      if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
      compiled.set(key, schema);
    }
    out.set(name, { version: t.version, schema });
  }
  return out;
}
