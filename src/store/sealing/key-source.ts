/**
 * Where the secret key comes from: HERALD_SECRET_KEY, or a key file in the data directory made
 * on first start (mode 0600). The file holds one key a line: the first seals, the others only
 * open (they are there while a rotation re-seals, see rotate.ts).
 */
import {
  closeSync,
  mkdirSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { newKeyText, parseKey, SecretKeyError } from './box.ts';

export interface SecretSource {
  /** HERALD_SECRET_KEY, when set: the key file is then not used. */
  key: string | null;
  /** HERALD_SECRET_KEY_PREVIOUS: keys that still open values while a rotation re-seals them. */
  previous: string[];
  /** The key file, used when `key` is null. */
  keyFile: string;
}

const HEADER = `# Herald's secret key (see README "Secrets at rest"). The first key seals, any others only
# open values during a rotation. Keep a copy apart from database backups: without it the
# secrets in the database cannot be read.
`;

/** The file's keys, current first; null when there is no file. */
export function readKeyFile(path: string): Buffer[] | null {
  let text: string;
  try {
    const mode = statSync(path).mode;
    if ((mode & 0o077) !== 0)
      throw new SecretKeyError(
        `key file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}): chmod 600 it`,
      );
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new SecretKeyError(`key file ${path} holds no key`);
  return lines.map((l, i) => parseKey(l, `line ${i + 1} of key file ${path}`));
}

function writeDurably(path: string, text: string, flags: number): void {
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the key file of a first start. Exclusive: of two processes starting on one data
 * directory at once, one creates it and the other fails rather than seal with another key.
 */
export function createKeyFile(path: string): Buffer[] {
  const text = newKeyText();
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeDurably(path, `${HEADER}${text}\n`, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  } catch (err) {
    throw new SecretKeyError(
      `cannot create the key file ${path} (${(err as Error).message}): set HERALD_SECRET_KEY, or give HERALD_DATA_DIR a writable folder`,
    );
  }
  syncDir(path);
  return [parseKey(text, 'the new key')];
}

/** Replaces the file's keys in one step (write aside, fsync, rename): a crash leaves old or new. */
export function writeKeyFile(path: string, keys: readonly Buffer[]): void {
  const tmp = `${path}.tmp`;
  writeDurably(
    tmp,
    `${HEADER}${keys.map((k) => k.toString('base64')).join('\n')}\n`,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  );
  renameSync(tmp, path);
  syncDir(path);
}

/** The configured keys (current first), or null when the key file has yet to be made. */
export function configuredKeys(source: SecretSource): Buffer[] | null {
  if (source.key !== null)
    return [
      parseKey(source.key, 'HERALD_SECRET_KEY'),
      ...source.previous.map((k, i) => parseKey(k, `key ${i + 1} of HERALD_SECRET_KEY_PREVIOUS`)),
    ];
  return readKeyFile(source.keyFile);
}

/** Where the key came from, for messages. */
export function keyOrigin(source: SecretSource): string {
  return source.key !== null ? 'HERALD_SECRET_KEY' : `the key file ${source.keyFile}`;
}
