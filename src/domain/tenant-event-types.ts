import { EVENT_NAME_PATTERN, EVENT_TYPES, findEventType } from './event-types.ts';
import type { DataProblem } from './event-types.ts';

/**
 * A tenant's own event types (issue 17): `object.action` names a tenant publishes beside the
 * built-in catalogue, each with a JSON Schema for `data`. Changing the schema makes a new
 * version; every event records the version it was validated against. Only the tenant that
 * made a type sees it: its name means nothing to another tenant.
 */
export interface TenantEventType {
  tenantId: string;
  name: string;
  description: string | null;
  /** 1 for the first schema; every schema change adds one. */
  version: number;
  /** The JSON Schema of `data` in this version, as JSON text. */
  schema: string;
  createdAt: number;
  updatedAt: number;
}

export interface EventTypeVersion {
  version: number;
  schema: string;
  createdAt: number;
}

export const MAX_EVENT_TYPE_NAME = 100;
export const MAX_EVENT_TYPE_DESCRIPTION = 1000;
/** Types one tenant may define: fan-out and hook validation read them all. */
export const MAX_TENANT_EVENT_TYPES = 500;

const NAME_RE = new RegExp(EVENT_NAME_PATTERN);
/** Objects of the built-in catalogue: a hook subscribes to all of one's events by its object. */
const BUILT_IN_OBJECTS = new Set(EVENT_TYPES.map((t) => t.object));

/**
 * What is wrong with `name` as a new tenant type, if anything. A built-in object is refused
 * too (`site.archived`): a hook subscribed to `site` would otherwise get a type its owner
 * never saw, or not, depending on who defined it.
 */
export function eventTypeNameProblem(name: string): (DataProblem & { clash: boolean }) | null {
  const problem = (message: string, clash = false) => ({ path: '/name', message, clash });
  if (name.length > MAX_EVENT_TYPE_NAME) return problem(`must be at most ${MAX_EVENT_TYPE_NAME} characters`);
  if (!NAME_RE.test(name)) return problem('must have the object.action shape, e.g. "invoice.paid"');
  if (findEventType(name)) return problem(`"${name}" is a built-in event type`, true);
  const object = name.slice(0, name.indexOf('.'));
  if (BUILT_IN_OBJECTS.has(object))
    return problem(`"${object}" is an object of Herald's own catalogue; pick another object name`);
  return null;
}
