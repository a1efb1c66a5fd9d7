/**
 * The keys (hooks, reporter origins) whose answers take long, by a moving average of their
 * attempts' durations.
 *
 * The sender thread takes `depth` times a key's cap (THREAD_DEPTH in sender.ts), so that the
 * key's connections stay busy while the main thread commits: a few ms, tens under load. A key
 * whose answers take longer than that keeps its connections busy on its own, and the jobs queued
 * behind them only hold slots of the worker's global cap that other hooks could use: with one
 * hook in ten answering in 1 s, it held 192 of the 512 slots with 64 requests out.
 */
export class SlowKeys {
  /** Answers slower than this on average: the key gets no queue beyond its cap. */
  static readonly THRESHOLD_MS = 100;
  /** Weight of the newest attempt in the average. */
  static readonly WEIGHT = 0.2;
  /** Below this the average is dropped (the key is plainly fast), so the map holds few keys. */
  static readonly FORGET_BELOW_MS = 10;

  /** Average duration per key, kept while at least FORGET_BELOW_MS. */
  readonly #average = new Map<string, number>();

  /** An attempt to `key` took `durationMs` (a key never seen counts as fast). */
  observe(key: string, durationMs: number): void {
    const before = this.#average.get(key) ?? 0;
    const average = before + (durationMs - before) * SlowKeys.WEIGHT;
    if (average >= SlowKeys.FORGET_BELOW_MS) this.#average.set(key, average);
    else this.#average.delete(key);
  }

  isSlow(key: string): boolean {
    return (this.#average.get(key) ?? 0) >= SlowKeys.THRESHOLD_MS;
  }

  /** Forgets a key (its hook changed: new URL, maybe a new receiver); null: every key. */
  forget(key: string | null): void {
    if (key === null) this.#average.clear();
    else this.#average.delete(key);
  }
}
