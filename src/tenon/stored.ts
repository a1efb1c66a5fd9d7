/**
 * What a test run row keeps of its request: everything the engine needs to run it again after
 * a crash (the mirror, `src`, the callback with its headers), never the key.
 */
import type { TenonRequest } from './types.ts';

export type StoredRequest = Omit<TenonRequest, 'key'>;

export function toStored(req: TenonRequest): StoredRequest {
  return { src: req.src, callback: req.callback, mirror: req.mirror };
}

export function fromStored(stored: unknown): TenonRequest {
  const s = stored as StoredRequest;
  return { key: undefined, src: s.src ?? undefined, callback: s.callback ?? undefined, mirror: s.mirror };
}
