import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Gives memory back after a burst of large events. V8 collects when the program allocates, so
 * a process that goes quiet right after a burst keeps the burst's garbage (payload copies,
 * request bodies) resident for ever: +250 MB after one 5 MB event to 20 hooks. When the last
 * large payload of a burst is let go and nothing large follows for QUIET_MS, one full
 * collection runs in this isolate (each thread calls this for its own). Under steady large
 * traffic it never fires: allocation keeps V8's own collector running.
 */

/** Payloads smaller than this are left to V8 alone. */
export const LARGE_PAYLOAD_BYTES = 256 * 1024;
const QUIET_MS = 2000;

let collect: (() => void) | null | undefined;
let timer: NodeJS.Timeout | null = null;

/** `gc()` of this isolate; null if the runtime refuses to expose it. */
function collector(): (() => void) | null {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/** A payload of `bytes` is no longer needed by this isolate. */
export function releasedPayload(bytes: number): void {
  if (bytes < LARGE_PAYLOAD_BYTES) return;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    collector()?.();
  }, QUIET_MS);
  timer.unref();
}
