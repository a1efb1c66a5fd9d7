/**
 * The engine signals (issue 15): created once per app in src/app.ts and handed to the services
 * that queue work and to the engines that run it. No registry keyed by the store: two apps in
 * one test process each have their own.
 */

/** Wakes the engine of one kind of work, once it is attached (a process without a worker has none). */
export class Wake {
  #target: (() => void) | null = null;

  attach(target: (() => void) | null): void {
    this.#target = target;
  }

  wake(): void {
    this.#target?.();
  }
}

/**
 * In-process completion of a run, by key (a test run's responseID): a synchronous request waits
 * for its run, and the engine in the same process says at once when it is done. Across
 * processes the waiter also polls the store.
 */
export class Finished {
  readonly #waiters = new Map<string, Set<() => void>>();

  notify(key: string): void {
    const set = this.#waiters.get(key);
    if (set) for (const w of [...set]) w();
  }

  /** Resolves when `key` is notified or after `ms`, whichever comes first. */
  finishedOrAfter(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(key) ?? new Set();
      this.#waiters.set(key, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }
}

export interface RunSignals {
  builds: Wake;
  testRuns: Wake;
  slots: Wake;
  /** Test runs finished in this process, by responseID. */
  testRunFinished: Finished;
}

export function createRunSignals(): RunSignals {
  return { builds: new Wake(), testRuns: new Wake(), slots: new Wake(), testRunFinished: new Finished() };
}
