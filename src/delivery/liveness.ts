import type { Store } from '../store/store.ts';

/**
 * Worker liveness and cross-process hook changes: the store methods the worker uses when the
 * store has them. claimDue takes over leases of owners whose heartbeat is stale, so a dead
 * worker's work resumes within `deadAfterMs`, while a slow but living one keeps its leases.
 *
 * This is the one place that checks for them; once every Store implements them, the checks
 * go and the calls stay.
 */
export interface WorkerLiveness {
  registerWorker(owner: string, now: number): Promise<void>;
  heartbeatWorker(owner: string, now: number): Promise<void>;
  unregisterWorker(owner: string): Promise<void>;
}

/**
 * Postgres: NOTIFY of a hook change made by any process (see the worker's hookChanged).
 * `null` ids mean "any hook may have changed" (the LISTEN connection was re-established, so
 * notifications may have been missed).
 */
export interface HookChangeFeed {
  subscribeHookChanges(
    onChange: (tenantId: string | null, hookId: string | null) => void,
  ): Promise<() => Promise<void>>;
}

export function livenessOf(store: Store): WorkerLiveness | null {
  return 'heartbeatWorker' in store && 'registerWorker' in store && 'unregisterWorker' in store
    ? (store as unknown as WorkerLiveness)
    : null;
}

export function hookChangeFeedOf(store: Store): HookChangeFeed | null {
  return 'subscribeHookChanges' in store ? (store as unknown as HookChangeFeed) : null;
}
