import type { ClaimedDelivery, Hook } from '../../domain/types.ts';
import { deliveryFromRow, hookFromRow, type AnyRow, type Dialect } from './rows.ts';

/**
 * Rows of one event in a claimed batch each came with their own copy of the payload string;
 * keep the first and let the others share it, so a worker holds each event once however many
 * of its deliveries it claimed (the byte cap counts it once too). Deliveries of one hook share
 * one Hook object too, which also crosses to the sender thread once per message.
 */
export function sharePayloads(claimed: ClaimedDelivery[]): ClaimedDelivery[] {
  const byEvent = new Map<string, string>();
  const hooks = new Map<string, Hook>();
  for (const c of claimed) {
    const first = byEvent.get(c.delivery.eventRowId);
    if (first === undefined) byEvent.set(c.delivery.eventRowId, c.payload);
    else c.payload = first;
    if (c.hook) {
      const key = `${c.hook.id}\n${c.hook.updatedAt}`;
      const same = hooks.get(key);
      if (same) c.hook = same;
      else hooks.set(key, c.hook);
    }
  }
  return claimed;
}

/**
 * Claimed rows (a delivery joined with its event's `e_payload`, `e_type` and `e_trace`, and either its
 * hook's `h_…` columns or, when `hookRows` is given, nothing of the hook: those rows carry the
 * hooks' `h_…` columns once each) as deliveries that share payloads and Hook objects: a hook is
 * parsed once per hook and version, not once per delivery.
 */
export function claimedRows(d: Dialect, rows: AnyRow[], hookRows?: AnyRow[]): ClaimedDelivery[] {
  const hooks = new Map<string, Hook>();
  const byId = new Map<string, Hook>();
  for (const h of hookRows ?? []) byId.set(String(h['h_id']), hookFromRow(d, h, 'h_'));
  const payloads = new Map<string, string>();
  return rows.map((r) => {
    const delivery = deliveryFromRow(d, r);
    let payload = payloads.get(delivery.eventRowId);
    if (payload === undefined) {
      payload = r['e_payload'] as string;
      payloads.set(delivery.eventRowId, payload);
    }
    let hook: Hook | null = null;
    // Claims skip deliveries whose hook is gone or disabled, so every hook id has its row.
    if (hookRows) hook = delivery.hookId === null ? null : (byId.get(delivery.hookId) ?? null);
    else if (r['h_id'] !== null && r['h_id'] !== undefined) {
      const key = `${String(r['h_id'])}\n${String(r['h_updated_at'])}`;
      hook = hooks.get(key) ?? null;
      if (!hook) {
        hook = hookFromRow(d, r, 'h_');
        hooks.set(key, hook);
      }
    }
    const trace = (r['e_trace'] as string | null | undefined) ?? null;
    return { delivery, payload, eventType: r['e_type'] as string, hook, trace };
  });
}
