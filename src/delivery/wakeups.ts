/**
 * When the worker's claim loop looks again: at once after a wake, at a retry's due time, or at
 * the next poll. A wake that comes while the loop is busy is kept (`pending`), so it is not lost.
 */
export class Wakeups {
  #pending = false;
  #wakeUp: (() => void) | null = null;
  #poll: NodeJS.Timeout | null = null;
  #nextDue: { at: number; handle: NodeJS.Timeout } | null = null;
  readonly #onDue: () => void;

  /** `onDue`: a scheduled time came (the caller marks that work may be due, then wakes). */
  constructor(onDue: () => void) {
    this.#onDue = onDue;
  }

  /** Whether a wake came since the loop last took it (see take). */
  get pending(): boolean {
    return this.#pending;
  }

  /** The loop starts a round: wakes so far are answered by it. */
  take(): void {
    this.#pending = false;
  }

  wake(): void {
    this.#pending = true;
    this.#wakeUp?.();
  }

  /** Waits for a wake or `pollMs`. */
  async wait(pollMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wakeUp = resolve;
      this.#poll = setTimeout(resolve, pollMs);
    });
    this.#wakeUp = null;
    if (this.#poll) clearTimeout(this.#poll);
  }

  /** Something falls due at `at` (a retry, a parked row): look then, if nothing earlier is set. */
  at(at: number): void {
    if (this.#nextDue && this.#nextDue.at <= at) return;
    if (this.#nextDue) clearTimeout(this.#nextDue.handle);
    const handle = setTimeout(
      () => {
        this.#nextDue = null;
        this.#onDue();
      },
      Math.max(0, at - Date.now()),
    );
    handle.unref();
    this.#nextDue = { at, handle };
  }

  clear(): void {
    if (this.#poll) clearTimeout(this.#poll);
    if (this.#nextDue) clearTimeout(this.#nextDue.handle);
    this.#nextDue = null;
  }
}
