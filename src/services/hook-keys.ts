/**
 * A hook's signing keys under either scheme (issue 17). An ed25519 hook keeps its private key
 * (`whsk_…`) where an HMAC hook keeps its secret, so rotation, the grace period and sealing are
 * the same code for both; what differs is what may be shown: an HMAC secret is the receiver's
 * key, an ed25519 private key never leaves Herald and receivers get the public key.
 */
import { generateKey, publicKeyOf } from '../delivery/signature.ts';
import type { Hook, HookPatch, OldSecret, SignatureScheme } from '../domain/types.ts';

/** What a receiver verifies with: the HMAC secret, or the public key (never the private one). */
export interface HookSecret {
  /** `whsec_…`; only for `hmac-sha256`. */
  secret?: string;
  /** `whpk_…`; only for `ed25519`. */
  publicKey?: string;
  /** Rotated-out keys that still sign; an ed25519 one with its public key. */
  previous: Array<{ expiresAt: number; publicKey?: string }>;
}

type Keys = Pick<Hook, 'secret' | 'publicKey' | 'signatureScheme'>;

/** A fresh key of the scheme, with its public key (null for HMAC). */
export function newKeys(scheme: SignatureScheme): Keys {
  const secret = generateKey(scheme);
  return { secret, publicKey: publicKeyOf(secret), signatureScheme: scheme };
}

/**
 * A new key of `scheme` (the hook's own on a rotation, another on a change of scheme). The
 * current key keeps signing next to it for `graceMs`, so receivers switch without a gap.
 */
export function rotatedKeys(hook: Hook, scheme: SignatureScheme, now: number, graceMs: number): HookPatch {
  const oldSecrets: OldSecret[] = [
    ...hook.oldSecrets.filter((s) => s.expiresAt > now),
    ...(graceMs > 0 ? [{ secret: hook.secret, expiresAt: now + graceMs }] : []),
  ];
  return { ...newKeys(scheme), oldSecrets };
}

export function secretView(hook: Keys & Pick<Hook, 'oldSecrets'>, now: number): HookSecret {
  const previous = hook.oldSecrets
    .filter((s) => s.expiresAt > now)
    .map((s) => {
      const publicKey = publicKeyOf(s.secret);
      return publicKey === null ? { expiresAt: s.expiresAt } : { expiresAt: s.expiresAt, publicKey };
    });
  if (hook.signatureScheme === 'ed25519') return { publicKey: hook.publicKey ?? '', previous };
  return { secret: hook.secret, previous };
}
