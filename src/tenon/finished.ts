/**
 * The in-process completion signal: a synchronous POST waits for its run, and the queue in the
 * same process says at once when it is done. Keyed by the store, like the build queue's
 * registry, so two apps in one test process do not hear each other. Across processes (an
 * `api` process and a `worker` process) the waiter also polls the store.
 */
import type { Store } from '../store/store.ts';

const waiters = new WeakMap<Store, Map<string, Set<() => void>>>();

export function notifyFinished(store: Store, responseID: string): void {
  const set = waiters.get(store)?.get(responseID);
  if (set) for (const w of [...set]) w();
}

/** Resolves when the run is signalled finished or after `ms`, whichever comes first. */
export function finishedOrAfter(store: Store, responseID: string, ms: number): Promise<void> {
  let byStore = waiters.get(store);
  if (!byStore) waiters.set(store, (byStore = new Map()));
  const map = byStore;
  return new Promise((resolve) => {
    const set = map.get(responseID) ?? new Set();
    map.set(responseID, set);
    const done = (): void => {
      clearTimeout(timer);
      set.delete(done);
      if (set.size === 0) map.delete(responseID);
      resolve();
    };
    const timer = setTimeout(done, ms);
    set.add(done);
  });
}
