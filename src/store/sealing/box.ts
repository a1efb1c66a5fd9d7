/**
 * Secrets at rest (issue 17): every stored secret — hook signing secrets and ed25519 private
 * keys, Basic-auth passwords, reporter keys, callback headers — goes through one codec on its
 * way into and out of the database, so a dump alone reveals none of them.
 *
 * Format, versioned so the key can rotate: `hs1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`,
 * AES-256-GCM with a random 96-bit IV. The key id (12 hex digits of an HMAC of the key, which
 * reveals nothing of it) says which key opens a value, so values sealed under the previous key
 * stay readable while a rotation re-seals them. A value without the prefix was written before
 * sealing existed: it reads as it is, and start-up seals it (see prepare.ts).
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const SEALED_PREFIX = 'hs1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const OPENED_CACHE = 10_000;
/** Only small values are kept opened (keys, passwords, targets), not a Tenon run's page source. */
const OPENED_CACHE_MAX_CHARS = 2048;

/** How the store's row mappers read and write a secret column (see shared/rows.ts `Dialect`). */
export interface Codec {
  seal(plain: string): string;
  open(stored: string): string;
}

/** A key that cannot serve: wrong, missing, or not the one the database was sealed with. */
export class SecretKeyError extends Error {
  override readonly name = 'SecretKeyError';
}

export function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('herald secret key id').digest('hex').slice(0, 12);
}

/** The key id a stored value was sealed with; null for a value from before sealing. */
export function sealedWith(stored: string): string | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  const end = stored.indexOf('.', SEALED_PREFIX.length);
  return end === -1 ? null : stored.slice(SEALED_PREFIX.length, end);
}

/** A keyring: seals with the first key, opens with any. */
export class SecretBox implements Codec {
  readonly currentId: string;
  readonly #current: Buffer;
  readonly #keys = new Map<string, Buffer>();
  /**
   * Opened values by their sealed text: a sealed value is unique (random IV) and immutable,
   * so the claim path decrypts each hook's secret once, not once per delivery.
   */
  readonly #opened = new Map<string, string>();

  constructor(keys: readonly Buffer[]) {
    const [current] = keys;
    if (!current) throw new SecretKeyError('no secret key');
    for (const k of keys) {
      if (k.length !== KEY_BYTES) throw new SecretKeyError(`a secret key must be ${KEY_BYTES} bytes`);
      this.#keys.set(keyIdOf(k), k);
    }
    this.#current = current;
    this.currentId = keyIdOf(current);
  }

  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  seal = (plain: string): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv);
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${this.currentId}.${body.toString('base64url')}`;
  };

  open = (stored: string): string => {
    const id = sealedWith(stored);
    if (id === null) return stored;
    const hit = this.#opened.get(stored);
    if (hit !== undefined) return hit;
    const key = this.#keys.get(id);
    if (!key) throw new SecretKeyError(`a value is sealed with key ${id}, which this process does not hold`);
    const body = Buffer.from(stored.slice(SEALED_PREFIX.length + id.length + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES)
      throw new SecretKeyError(`a value sealed with key ${id} is cut short`);
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    let plain: string;
    try {
      plain =
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES), undefined, 'utf8') +
        decipher.final('utf8');
    } catch {
      throw new SecretKeyError(
        `a value sealed with key ${id} does not authenticate (altered, or another key with its id)`,
      );
    }
    if (stored.length <= OPENED_CACHE_MAX_CHARS) {
      if (this.#opened.size >= OPENED_CACHE) this.#opened.clear();
      this.#opened.set(stored, plain);
    }
    return plain;
  };
}

/**
 * For stores opened without a secret key (unit and conformance tests over a bare store): writes
 * as is, and refuses to hand out a sealed value as if it were the secret.
 */
export const PLAIN: Codec = {
  seal: (plain) => plain,
  open: (stored) => {
    const id = sealedWith(stored);
    if (id !== null) throw new SecretKeyError(`a value is sealed with key ${id}, and this store has no key`);
    return stored;
  },
};

/** A key from its text form: base64 or base64url of 32 bytes (what `herald secret-key new` prints). */
export function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t)
    ? Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64')
    : null;
  if (!bytes || bytes.length !== KEY_BYTES)
    throw new SecretKeyError(
      `${where} must be ${KEY_BYTES} random bytes in base64 (e.g. from \`openssl rand -base64 32\`)`,
    );
  return bytes;
}

export function newKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
