import type { Logger } from '../log.ts';
import type { Publisher } from '../ingest/publish.ts';
import type { Store } from '../store/store.ts';

export interface HousekeepingOptions {
  store: Store;
  publisher: Publisher;
  log: Logger;
  intervalMs: number;
  hookDisableAfterMs: number;
  retentionMs: number;
  /** Tells the engine a hook was disabled, so held work of it stops at once. */
  hookChanged?: (tenantId: string, hookId: string) => void;
}

/**
 * Periodic chores of the worker: disable hooks that have only failed for too long (and
 * announce hook.disabled), and purge events and attempts past retention.
 */
export class Housekeeping {
  private readonly o: HousekeepingOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(o: HousekeepingOptions) {
    this.o = o;
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= this.chores().finally(() => (this.running = null));
    return this.running;
  }

  private async chores(): Promise<void> {
    const now = Date.now();
    try {
      const reason = `failed without a success for ${Math.round(this.o.hookDisableAfterMs / 1000)} s`;
      const disabled = await this.o.store.disableFailingHooks(now - this.o.hookDisableAfterMs, reason, now);
      for (const hook of disabled) {
        this.o.log.warn({ hookId: hook.id, tenantId: hook.tenantId, url: hook.url }, 'hook disabled');
        this.o.hookChanged?.(hook.tenantId, hook.id);
        await this.o.publisher.publish(
          hook.tenantId,
          [
            {
              event: 'hook.disabled',
              data: {
                object: 'hook',
                hookId: hook.id,
                name: hook.name,
                url: hook.url,
                reason,
                disabledAt: now,
              },
            },
          ],
          { internal: true },
        );
      }
      const orphaned = await this.o.store.failOrphanedDeliveries(now);
      if (orphaned > 0) this.o.log.info({ orphaned }, 'failed deliveries of deleted hooks');
      const purged = await this.o.store.purge(now - this.o.retentionMs);
      if (purged.events + purged.attempts > 0) this.o.log.info(purged, 'retention purge');
    } catch (err) {
      this.o.log.error({ err }, 'housekeeping failed; will try again');
    }
  }
}
