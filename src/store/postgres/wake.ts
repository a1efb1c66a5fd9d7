import pg from 'pg';
import { HOOK_CHANGED_CHANNEL } from '../ops/hooks.ts';
import { clientConfig, WAKE_CHANNEL } from './pool.ts';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/** A hook change; `null` ids: any hook may have changed (notifications may have been lost). */
export type HookChangeHandler = (tenantId: string | null, hookId: string | null) => void;

/**
 * LISTEN on a dedicated connection (a pooled one would lose the LISTEN when returned), shared
 * by every subscriber of one store: wake-ups (`herald_wake`) and hook changes
 * (`herald_hook_changed`, payload `{"tenantId","hookId"}`). If the connection drops it
 * reconnects with backoff, then wakes everyone once and tells hook subscribers that any hook
 * may have changed, since notifications sent meanwhile were lost.
 */
export class WakeListener {
  readonly #connectionString: string;
  readonly #onError: (err: Error) => void;
  readonly #subscribers = new Set<() => void>();
  readonly #hookSubscribers = new Set<HookChangeHandler>();
  #client: pg.Client | null = null;
  #starting: Promise<void> | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #retryMs = RECONNECT_MIN_MS;
  #closed = false;

  constructor(connectionString: string, onError: (err: Error) => void = () => {}) {
    this.#connectionString = connectionString;
    this.#onError = onError;
  }

  /** Resolves once LISTEN is active, so a NOTIFY sent after it is not missed. */
  subscribe(onWake: () => void): Promise<() => Promise<void>> {
    return this.#add(this.#subscribers, onWake);
  }

  /** Resolves once LISTEN is active, like subscribe. */
  subscribeHookChanges(onChange: HookChangeHandler): Promise<() => Promise<void>> {
    return this.#add(this.#hookSubscribers, onChange);
  }

  get #idle(): boolean {
    return this.#subscribers.size === 0 && this.#hookSubscribers.size === 0;
  }

  async #add<T>(set: Set<T>, fn: T): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('store is closed');
    set.add(fn);
    try {
      await this.#ensureListening();
    } catch (err) {
      set.delete(fn);
      throw err;
    }
    return async () => {
      set.delete(fn);
      if (this.#idle) await this.#stop();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    this.#hookSubscribers.clear();
    await this.#stop();
  }

  #ensureListening(): Promise<void> {
    if (this.#client) return Promise.resolve();
    this.#starting ??= this.#connect().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(clientConfig(this.#connectionString));
    client.on('notification', (msg) => {
      if (msg.channel === WAKE_CHANNEL) this.#wakeAll();
      else if (msg.channel === HOOK_CHANGED_CHANNEL) this.#hookChanged(msg.payload);
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('wake listener connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${WAKE_CHANNEL}; LISTEN ${HOOK_CHANGED_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed || this.#idle) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_MIN_MS;
  }

  #wakeAll(): void {
    for (const onWake of [...this.#subscribers]) this.#call(() => onWake());
  }

  #hookChanged(payload: string | undefined): void {
    let tenantId: string | null = null;
    let hookId: string | null = null;
    try {
      const p = JSON.parse(payload ?? '') as { tenantId?: unknown; hookId?: unknown };
      if (typeof p.tenantId === 'string') tenantId = p.tenantId;
      if (typeof p.hookId === 'string') hookId = p.hookId;
    } catch {
      // Unreadable: treat it as "any hook may have changed", the safe side.
    }
    this.#allHooks(tenantId, hookId);
  }

  #allHooks(tenantId: string | null, hookId: string | null): void {
    for (const onChange of [...this.#hookSubscribers]) this.#call(() => onChange(tenantId, hookId));
  }

  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#onError(err as Error);
    }
  }

  #lost(client: pg.Client, err: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.#closed || this.#idle) return;
    this.#onError(err);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closed || this.#idle) return;
      this.#ensureListening().then(
        () => {
          this.#wakeAll();
          this.#allHooks(null, null);
        },
        (err: Error) => {
          this.#onError(err);
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#retryTimer.unref();
  }

  async #stop(): Promise<void> {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    await this.#starting?.catch(() => {});
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    client.removeAllListeners('end');
    await client.end().catch(() => {});
  }
}
