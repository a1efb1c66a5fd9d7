import { generateSecret } from '../delivery/signature.ts';
import { HeraldError } from '../domain/errors.ts';
import type { Hook } from '../domain/types.ts';
import type { PublishResult } from '../ingest/publish.ts';
import type { AppContext } from '../context.ts';

/** Hook operations shared by the JSON API and the web console, so both behave the same. */

/**
 * Replaces the signing secret. The old one keeps signing, next to the new one, for
 * HERALD_SECRET_GRACE_SEC, so receivers can switch over without losing a delivery.
 */
export async function rotateHookSecret(
  ctx: AppContext,
  hook: Hook,
  now = Date.now(),
): Promise<{ secret: string; previous: Array<{ expiresAt: number }> }> {
  const grace = ctx.config.secretGraceSec * 1000;
  const oldSecrets = [
    ...hook.oldSecrets.filter((s) => s.expiresAt > now),
    ...(grace > 0 ? [{ secret: hook.secret, expiresAt: now + grace }] : []),
  ];
  const secret = generateSecret();
  await ctx.store.updateHook(hook.tenantId, hook.id, { secret, oldSecrets }, now);
  return { secret, previous: oldSecrets.map((s) => ({ expiresAt: s.expiresAt })) };
}

/** Sends a `ping` event to this hook only. */
export async function sendTestEvent(ctx: AppContext, hook: Hook): Promise<PublishResult> {
  if (!hook.enabled)
    throw new HeraldError('HOOK_DISABLED', 'The hook is disabled; enable it to send a test event');
  const [result] = await ctx.publisher.publish(
    hook.tenantId,
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

/** Turning a hook back on gives it a fresh start (its failure state is cleared). */
export async function setHookEnabled(ctx: AppContext, hook: Hook, enabled: boolean): Promise<Hook | null> {
  const updated = await ctx.store.updateHook(
    hook.tenantId,
    hook.id,
    { enabled, ...(enabled && { disabledReason: null, failingSince: null }) },
    Date.now(),
  );
  if (enabled) ctx.publisher.wake();
  return updated;
}

/** Sends a delivery again with a fresh retry schedule; refused when its hook was deleted. */
export async function redeliver(ctx: AppContext, tenantId: string, deliveryId: string) {
  const existing = await ctx.store.getDelivery(tenantId, deliveryId);
  if (!existing) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${deliveryId}`);
  if (existing.hookId !== null && !(await ctx.store.getHook(tenantId, existing.hookId)))
    throw new HeraldError('HOOK_NOT_FOUND', 'The hook of this delivery was deleted');
  const delivery = await ctx.store.requeueDelivery(tenantId, deliveryId, Date.now());
  if (!delivery) throw new HeraldError('DELIVERY_NOT_FOUND', `No delivery ${deliveryId}`);
  ctx.publisher.wake();
  return delivery;
}
