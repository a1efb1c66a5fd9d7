/**
 * What a test run row keeps of its request: everything the engine needs to run it again after
 * a crash (the mirror, `src`, the callback with its headers), never the key.
 */
import type { Session } from '../monitors/sign-in.ts';
import type { TenonRequest } from './types.ts';

export type StoredRequest = Omit<TenonRequest, 'key'> & {
  /**
   * A signed-in monitor slot's session (cookies and web storage), restored into the run's own
   * browser context. The stored request is sealed at rest, so the session's secrets are too.
   */
  session?: Session | undefined;
};

export function toStored(req: TenonRequest, session?: Session): StoredRequest {
  return { src: req.src, callback: req.callback, mirror: req.mirror, ...(session && { session }) };
}

/** The session a stored request carries, if its slot signed in. */
export function sessionOf(stored: unknown): Session | undefined {
  return (stored as StoredRequest | null)?.session ?? undefined;
}

export function fromStored(stored: unknown): TenonRequest {
  const s = stored as StoredRequest;
  return { key: undefined, src: s.src ?? undefined, callback: s.callback ?? undefined, mirror: s.mirror };
}
