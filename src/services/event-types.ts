import { HeraldError } from '../domain/errors.ts';
import { EVENT_TYPES, findEventType, type EventType } from '../domain/event-types.ts';
import { compileUserSchema } from '../domain/json-schema.ts';
import {
  eventTypeNameProblem,
  MAX_TENANT_EVENT_TYPES,
  type EventTypeVersion,
  type TenantEventType,
} from '../domain/tenant-event-types.ts';
import type { ServiceDeps } from './deps.ts';

export interface NewEventType {
  name: string;
  description?: string | null | undefined;
  schema: unknown;
}

export interface EventTypeChange {
  description?: string | null | undefined;
  schema?: unknown;
}

/** One entry of the catalogue a tenant sees: a built-in type, or one of its own. */
export type CatalogueEntry = { builtIn: EventType } | { own: TenantEventType };

/**
 * A tenant's own event types: the name rules, schema compilation (one compiler for users'
 * schemas: domain/json-schema.ts), versions, and what a delete may do. A deleted type is
 * refused while a hook names it (EVENT_TYPE_IN_USE); its stored events and their pending
 * deliveries are left as they are: an accepted event is never dropped.
 */
export class EventTypeService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  async create(tenantId: string, input: NewEventType, now = Date.now()): Promise<TenantEventType> {
    const problem = eventTypeNameProblem(input.name);
    if (problem)
      throw new HeraldError(
        problem.clash ? 'EVENT_TYPE_EXISTS' : 'VALIDATION_FAILED',
        `name ${problem.message}`,
        [{ path: problem.path, message: problem.message }],
      );
    compileUserSchema(input.schema, '/schema');
    if ((await this.deps.store.eventTypes.count(tenantId)) >= MAX_TENANT_EVENT_TYPES)
      throw new HeraldError(
        'VALIDATION_FAILED',
        `A tenant may have at most ${MAX_TENANT_EVENT_TYPES} event types; delete one first`,
        [{ path: '/name', message: `at most ${MAX_TENANT_EVENT_TYPES} event types` }],
      );
    const created = await this.deps.store.eventTypes.create({
      tenantId,
      name: input.name,
      description: input.description ?? null,
      schema: JSON.stringify(input.schema),
      createdAt: now,
      updatedAt: now,
    });
    if (!created)
      throw new HeraldError('EVENT_TYPE_EXISTS', `You have an event type "${input.name}" already`, [
        { path: '/name', message: 'exists' },
      ]);
    return created;
  }

  /** The built-in types, then the tenant's own by name. */
  async list(tenantId: string): Promise<CatalogueEntry[]> {
    const own = await this.deps.store.eventTypes.list(tenantId, MAX_TENANT_EVENT_TYPES);
    return [...EVENT_TYPES.map((builtIn) => ({ builtIn })), ...own.map((t) => ({ own: t }))];
  }

  /** A built-in type, or one of the tenant's own with every version it had. */
  async get(
    tenantId: string,
    name: string,
  ): Promise<{ builtIn: EventType } | { own: TenantEventType; versions: EventTypeVersion[] }> {
    const builtIn = findEventType(name);
    if (builtIn) return { builtIn };
    const own = await this.#own(tenantId, name);
    return { own, versions: await this.deps.store.eventTypes.versions(tenantId, name) };
  }

  /** A new schema makes a new version; the same schema again changes nothing. */
  async update(
    tenantId: string,
    name: string,
    change: EventTypeChange,
    now = Date.now(),
  ): Promise<TenantEventType> {
    this.#notBuiltIn(name);
    if (change.schema !== undefined) compileUserSchema(change.schema, '/schema');
    const updated = await this.deps.store.eventTypes.update(
      tenantId,
      name,
      {
        ...(change.description !== undefined && { description: change.description }),
        ...(change.schema !== undefined && { schema: JSON.stringify(change.schema) }),
      },
      now,
    );
    if (!updated) throw new HeraldError('EVENT_TYPE_NOT_FOUND', `No event type ${name}`);
    return updated;
  }

  async delete(tenantId: string, name: string): Promise<void> {
    this.#notBuiltIn(name);
    const { deleted, hooks } = await this.deps.store.eventTypes.delete(tenantId, name);
    if (hooks.length > 0)
      throw new HeraldError(
        'EVENT_TYPE_IN_USE',
        `${hooks.length} hook(s) name "${name}" in events; remove it from them first`,
        { hooks },
      );
    if (!deleted) throw new HeraldError('EVENT_TYPE_NOT_FOUND', `No event type ${name}`);
  }

  async #own(tenantId: string, name: string): Promise<TenantEventType> {
    const own = await this.deps.store.eventTypes.get(tenantId, name);
    if (!own) throw new HeraldError('EVENT_TYPE_NOT_FOUND', `No event type ${name}`);
    return own;
  }

  #notBuiltIn(name: string): void {
    if (findEventType(name))
      throw new HeraldError('VALIDATION_FAILED', `"${name}" is a built-in event type and cannot be changed`, [
        { path: '/name', message: 'is built-in' },
      ]);
  }
}
