/**
 * `herald secret-key rotate`: every sealed value is sealed again with a new key, and the old key
 * is forgotten. Safe to kill at any moment, and running it again finishes the job:
 *
 * - Key file: the new key is written first, in front of the old one (one atomic rename), so
 *   from then on every process seals with the new key and can still open the old values; the
 *   values are re-sealed batch by batch; only when none is left under the old key does the
 *   file drop it. A run that finds two keys in the file resumes instead of making a third.
 * - HERALD_SECRET_KEY: the operator gives the new key there and the old one in
 *   HERALD_SECRET_KEY_PREVIOUS (to every process), runs this, then removes the old one.
 */
import { newKeyText, parseKey, SecretKeyError } from './box.ts';
import { readKeyFile, writeKeyFile, type SecretSource } from './key-source.ts';

/** The part of a store a rotation uses. */
export interface Resealable {
  migrate(): Promise<void>;
  resealSecrets(onBatch?: (where: string, count: number) => void): Promise<number>;
  close(): Promise<void>;
}

export interface RotationReport {
  resealed: number;
  /** The key file that now holds only the new key; null with HERALD_SECRET_KEY. */
  keyFile: string | null;
}

export async function rotateSecretKey(
  source: SecretSource,
  openStore: () => Promise<Resealable>,
  onBatch?: (where: string, count: number) => void,
): Promise<RotationReport> {
  let keys: Buffer[] | null = null;
  if (source.key === null) {
    keys = readKeyFile(source.keyFile);
    if (keys === null) throw new SecretKeyError(`there is no key file ${source.keyFile} to rotate`);
    // One key: a new rotation. Two or more: an earlier one was cut short; finish it.
    if (keys.length === 1) {
      keys = [parseKey(newKeyText(), 'the new key'), ...keys];
      writeKeyFile(source.keyFile, keys);
    }
  } else if (source.previous.length === 0) {
    throw new SecretKeyError(
      'with HERALD_SECRET_KEY, give the new key there and the old one in HERALD_SECRET_KEY_PREVIOUS, then rotate',
    );
  }
  const store = await openStore();
  let resealed: number;
  try {
    await store.migrate();
    resealed = await store.resealSecrets(onBatch);
  } finally {
    await store.close();
  }
  if (keys !== null) writeKeyFile(source.keyFile, keys.slice(0, 1));
  return { resealed, keyFile: keys === null ? null : source.keyFile };
}
