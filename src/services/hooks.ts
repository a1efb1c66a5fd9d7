import { HeraldError } from '../domain/errors.ts';
import { findEventType } from '../domain/event-types.ts';
import { MAX_TENANT_EVENT_TYPES } from '../domain/tenant-event-types.ts';
import { newId } from '../domain/ids.ts';
import type {
  Delivery,
  DeliveryStatus,
  Hook,
  HookOrdering,
  HookPatch,
  Page,
  SignatureScheme,
} from '../domain/types.ts';
import type { PublishResult } from '../ingest/publish.ts';
import type { ActivityBucket, LastDelivery } from '../store/console.ts';
import type { FifoQueue } from '../store/ops/fifo-queues.ts';
import type { ServiceDeps } from './deps.ts';
import { withEvents, type DeliveryEntry } from './deliveries.ts';
import { hookProblems, HookInvalid, originOf, type HookSettings } from './hook-rules.ts';
import { fetchPage, type PageRequest } from './page.ts';
import { newKeys, rotatedKeys, secretView, type HookSecret } from './hook-keys.ts';

export type { HookSecret } from './hook-keys.ts';

export interface NewHook {
  name: string;
  url: string;
  objects: string[];
  /** null or empty: every event of the objects. */
  events?: string[] | null | undefined;
  /** Default true. */
  enabled?: boolean | undefined;
  username?: string | null | undefined;
  password?: string | null | undefined;
  /** Delivery options (issue 17); see hook-option-rules.ts. */
  headers?: Record<string, string> | undefined;
  filter?: object | null | undefined;
  rateLimit?: number | null | undefined;
  ordering?: HookOrdering | undefined;
  orderingKey?: string | null | undefined;
  /** Default `hmac-sha256`. A change of scheme rotates to a key of the new kind. */
  signatureScheme?: SignatureScheme | undefined;
}

/** Fields left out (undefined) keep their stored value. */
export type HookChange = Partial<NewHook>;

/** What the delivery engine must hear about: a change here means the old settings are stale. */
const ENGINE_FIELDS = [
  'enabled',
  'url',
  'username',
  'password',
  'secret',
  'headers',
  'rateLimit',
  'ordering',
  'orderingKey',
] as const;

const eventList = (e: string[] | null | undefined) => (e && e.length > 0 ? e : null);

/**
 * Hooks: their rules, ids and defaults, their store writes, and the signals that keep the
 * delivery worker from sending under settings that no longer hold.
 */
export class HookService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  async #check(
    tenantId: string,
    settings: HookSettings,
    opts: { passwordDropped?: boolean } = {},
  ): Promise<void> {
    // The tenant's own types are read only when an event is not built-in.
    const ownTypes = (settings.events ?? []).some((e) => !findEventType(e))
      ? new Set((await this.deps.store.eventTypes.list(tenantId, MAX_TENANT_EVENT_TYPES)).map((t) => t.name))
      : undefined;
    const problems = hookProblems(settings, this.deps.config.targetAllowlist, { ...opts, ownTypes });
    if (problems.length > 0) throw new HookInvalid(problems);
  }

  async create(tenantId: string, input: NewHook, now = Date.now()): Promise<Hook> {
    const hook: Hook = {
      id: newId('hook', now),
      tenantId,
      name: input.name.trim(),
      url: input.url.trim(),
      objects: input.objects,
      events: eventList(input.events),
      enabled: input.enabled ?? true,
      username: input.username ?? null,
      password: input.password ?? null,
      ...newKeys(input.signatureScheme ?? 'hmac-sha256'),
      oldSecrets: [],
      failingSince: null,
      lastSuccessAt: null,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
      headers: input.headers ?? {},
      filter: input.filter ?? null,
      rateLimit: input.rateLimit ?? null,
      ordering: input.ordering ?? 'none',
      orderingKey: input.orderingKey ?? null,
    };
    await this.#check(tenantId, hook);
    await this.deps.store.createHook(hook);
    return hook;
  }

  async get(tenantId: string, id: string): Promise<Hook> {
    const hook = await this.deps.store.getHook(tenantId, id);
    if (!hook) throw new HeraldError('HOOK_NOT_FOUND', `No hook ${id}`);
    return hook;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<Hook>> {
    return fetchPage(page.limit, (limit) =>
      this.deps.store.listHooks(tenantId, { limit, after: page.after }),
    );
  }

  /** The newest delivery of each hook (for the console's list). */
  async lastDeliveries(tenantId: string, hooks: readonly Hook[]): Promise<Map<string, LastDelivery>> {
    const rows = await this.deps.store.console.lastDeliveries(
      tenantId,
      hooks.map((h) => h.id),
    );
    return new Map(rows.map((d) => [d.hookId, d]));
  }

  /**
   * Changes a hook. Turning it back on clears its failure state. A URL on another origin
   * drops the stored Basic-auth credentials unless new ones come with it: credentials
   * follow their host (issue 9).
   */
  async update(tenantId: string, id: string, change: HookChange, now = Date.now()): Promise<Hook> {
    if (Object.values(change).every((v) => v === undefined))
      throw new HeraldError('VALIDATION_FAILED', 'Send at least one field to change', [
        { path: '', message: 'is empty' },
      ]);
    const hook = await this.get(tenantId, id);
    const patch: HookPatch = {
      ...(change.name !== undefined && { name: change.name.trim() }),
      ...(change.url !== undefined && { url: change.url.trim() }),
      ...(change.objects !== undefined && { objects: change.objects }),
      ...(change.events !== undefined && { events: eventList(change.events) }),
      ...(change.username !== undefined && { username: change.username }),
      ...(change.password !== undefined && { password: change.password }),
      ...(change.headers !== undefined && { headers: change.headers }),
      ...(change.filter !== undefined && { filter: change.filter }),
      ...(change.rateLimit !== undefined && { rateLimit: change.rateLimit }),
      ...(change.ordering !== undefined && { ordering: change.ordering }),
      ...(change.orderingKey !== undefined && { orderingKey: change.orderingKey }),
      ...(change.enabled !== undefined && {
        enabled: change.enabled,
        ...(change.enabled && { disabledReason: null, failingSince: null }),
      }),
      ...(change.signatureScheme !== undefined &&
        change.signatureScheme !== hook.signatureScheme &&
        rotatedKeys(hook, change.signatureScheme, now, this.deps.config.secretGraceSec * 1000)),
    };
    let passwordDropped = false;
    if (patch.url !== undefined && originOf(patch.url) !== originOf(hook.url)) {
      if (patch.username === undefined) patch.username = null;
      if (patch.password === undefined) {
        passwordDropped = hook.password !== null;
        patch.password = null;
      }
    }
    await this.#check(tenantId, { ...hook, ...patch }, { passwordDropped });
    return this.#write(hook, patch, now, change.enabled === true);
  }

  setEnabled(tenantId: string, id: string, enabled: boolean): Promise<Hook> {
    return this.update(tenantId, id, { enabled });
  }

  async #write(before: Hook, patch: HookPatch, now: number, wake: boolean): Promise<Hook> {
    const updated = await this.deps.store.updateHook(before.tenantId, before.id, patch, now);
    if (!updated) throw new HeraldError('HOOK_NOT_FOUND', `No hook ${before.id}`);
    if (ENGINE_FIELDS.some((f) => JSON.stringify(before[f]) !== JSON.stringify(updated[f])))
      this.deps.engine.hookChanged(updated.tenantId, updated.id);
    if (wake) this.deps.engine.wake();
    return updated;
  }

  /** Pending deliveries fail ("hook deleted"); history stays readable. */
  async delete(tenantId: string, id: string, now = Date.now()): Promise<void> {
    if (!(await this.deps.store.deleteHook(tenantId, id, now)))
      throw new HeraldError('HOOK_NOT_FOUND', `No hook ${id}`);
    this.deps.engine.hookChanged(tenantId, id);
  }

  async secret(tenantId: string, id: string, now = Date.now()): Promise<HookSecret> {
    return secretView(await this.get(tenantId, id), now);
  }

  /**
   * Replaces the signing secret (or ed25519 key). The old one keeps signing, next to the new one,
   * for HERALD_SECRET_GRACE_SEC, so receivers can switch over without losing a delivery.
   */
  async rotateSecret(tenantId: string, id: string, now = Date.now()): Promise<HookSecret> {
    const hook = await this.get(tenantId, id);
    const patch = rotatedKeys(hook, hook.signatureScheme, now, this.deps.config.secretGraceSec * 1000);
    return secretView(await this.#write(hook, patch, now, false), now);
  }

  /** Sends a `ping` event to this hook only. */
  async sendTest(tenantId: string, id: string): Promise<PublishResult> {
    const hook = await this.get(tenantId, id);
    if (!hook.enabled)
      throw new HeraldError('HOOK_DISABLED', 'The hook is disabled; enable it to send a test event');
    const [result] = await this.deps.publisher.publish(
      tenantId,
      [
        {
          event: 'ping',
          data: { object: 'ping', hookId: hook.id, message: `Test event for hook "${hook.name}"` },
        },
      ],
      { internal: true, onlyHooks: [hook] },
    );
    return result!;
  }

  /** The hook's deliveries, newest first, each with the event it carries. */
  async deliveries(
    tenantId: string,
    id: string,
    page: PageRequest & { status?: DeliveryStatus | undefined },
  ): Promise<Page<DeliveryEntry>> {
    await this.get(tenantId, id);
    const rows: Page<Delivery> = await fetchPage(page.limit, (limit) =>
      this.deps.store.listDeliveries(tenantId, {
        hookId: id,
        status: page.status,
        limit,
        after: page.after,
      }),
    );
    return { data: await withEvents(this.deps.store, tenantId, rows.data), nextCursor: rows.nextCursor };
  }

  /** What a FIFO hook holds: each queue with pending work, and the head the rest wait on. */
  async fifoQueues(tenantId: string, id: string): Promise<FifoQueue[]> {
    const hook = await this.get(tenantId, id);
    return hook.ordering === 'fifo' ? this.deps.store.fifoQueues(tenantId, id) : [];
  }

  /** Attempts of the hook since `since`, in buckets (the console's activity chart). */
  async activity(tenantId: string, id: string, since: number, bucketMs: number): Promise<ActivityBucket[]> {
    return this.deps.store.console.hookActivity(tenantId, id, since, bucketMs);
  }

  /** Re-queues the hook's failed deliveries created at or after `since` (unix ms). */
  async recover(tenantId: string, id: string, since: number, now = Date.now()): Promise<number> {
    const hook = await this.get(tenantId, id);
    if (!Number.isFinite(since))
      throw new HeraldError('VALIDATION_FAILED', 'since must be unix ms or an ISO 8601 date-time', [
        { path: '/since', message: 'not a date' },
      ]);
    const requeued = await this.deps.store.recoverFailed(tenantId, hook.id, since, now);
    if (requeued > 0) this.deps.engine.wake();
    return requeued;
  }
}
