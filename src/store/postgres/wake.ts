import pg from 'pg';
import { clientConfig, WAKE_CHANNEL } from './pool.ts';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * LISTEN on a dedicated connection (a pooled one would lose the LISTEN when returned), shared
 * by every subscriber of one store. If the connection drops it reconnects with backoff and
 * wakes everyone once, since notifications sent meanwhile were lost.
 */
export class WakeListener {
  readonly #connectionString: string;
  readonly #onError: (err: Error) => void;
  readonly #subscribers = new Set<() => void>();
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
  async subscribe(onWake: () => void): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('store is closed');
    this.#subscribers.add(onWake);
    try {
      await this.#ensureListening();
    } catch (err) {
      this.#subscribers.delete(onWake);
      throw err;
    }
    return async () => {
      this.#subscribers.delete(onWake);
      if (this.#subscribers.size === 0) await this.#stop();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
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
    });
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client, new Error('wake listener connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${WAKE_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed || this.#subscribers.size === 0) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_MIN_MS;
  }

  #wakeAll(): void {
    for (const onWake of [...this.#subscribers]) {
      try {
        onWake();
      } catch (err) {
        this.#onError(err as Error);
      }
    }
  }

  #lost(client: pg.Client, err: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.#closed || this.#subscribers.size === 0) return;
    this.#onError(err);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#retryTimer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closed || this.#subscribers.size === 0) return;
      this.#ensureListening().then(
        () => this.#wakeAll(),
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
