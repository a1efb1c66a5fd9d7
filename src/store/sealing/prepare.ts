/**
 * Start-up and rotation of the sealing key over the database (see box.ts for the format).
 *
 * `herald_secret_keys` lists the ids of the keys that sealed values here. A process whose keys
 * do not cover every one refuses to start with a clear message — a wrong key, a lost key
 * file, a PostgreSQL worker given another key — instead of failing each delivery later or
 * sending it unsigned. The row 'plaintext' (put there by migration 011) means values from
 * before sealing may remain: start-up seals them, then removes it.
 */
import type { Sql } from '../sql.ts';
import { SEALED_PREFIX, SecretBox, SecretKeyError, type Codec } from './box.ts';
import { configuredKeys, createKeyFile, keyOrigin, type SecretSource } from './key-source.ts';

/**
 * Every column that holds a secret (whole, or a JSON value with one inside). A new secret
 * column is one line here plus `d.seal`/`d.open` in its row mapper (shared/rows.ts).
 */
export const SEALED_COLUMNS: ReadonlyArray<{ table: string; column: string }> = [
  { table: 'hooks', column: 'secret' },
  { table: 'hooks', column: 'old_secrets' },
  { table: 'hooks', column: 'password' },
  { table: 'deliveries', column: 'target' },
  { table: 'builds', column: 'reporters' },
  { table: 'test_runs', column: 'request' },
  { table: 'sites', column: 'monitor_login_parameters' },
];

const PLAINTEXT = 'plaintext';
const BATCH = 500;

/**
 * The codec the store's row mappers hold from the start; its key is loaded by `prepareSealing`
 * when the store migrates (the key file is made only for a database that has none yet).
 */
export class KeyHolder implements Codec {
  box: SecretBox | null = null;
  #box(): SecretBox {
    if (!this.box) throw new SecretKeyError('the secret key is not loaded yet: migrate the store first');
    return this.box;
  }
  seal = (plain: string): string => this.#box().seal(plain);
  open = (stored: string): string => this.#box().open(stored);
}

async function recordedIds(sql: Sql): Promise<string[]> {
  return (await sql.query('SELECT key_id FROM herald_secret_keys ORDER BY key_id')).map((r) =>
    String(r['key_id']),
  );
}

/** Loads the key, checks it against the database, records it, and seals what is still plain. */
export async function prepareSealing(sql: Sql, source: SecretSource, now = Date.now()): Promise<SecretBox> {
  const recorded = await recordedIds(sql);
  const sealedBy = recorded.filter((id) => id !== PLAINTEXT);
  let keys = configuredKeys(source);
  if (keys === null) {
    if (sealedBy.length > 0)
      throw new SecretKeyError(
        `the database holds secrets sealed with key ${sealedBy.join(', ')}, but there is no HERALD_SECRET_KEY and no key file ${source.keyFile}: restore the key file, or set HERALD_SECRET_KEY to the key the other workers use`,
      );
    keys = createKeyFile(source.keyFile);
  }
  const box = new SecretBox(keys);
  const missing = sealedBy.filter((id) => !box.ids.includes(id));
  if (missing.length > 0)
    throw new SecretKeyError(
      `the database holds secrets sealed with key ${missing.join(', ')}, which ${keyOrigin(source)} (key ${box.ids.join(', ')}) does not hold: wrong key? Every process on one database needs the same key`,
    );
  await sql.exec('INSERT INTO herald_secret_keys (key_id, added_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    box.currentId,
    now,
  ]);
  if (recorded.includes(PLAINTEXT)) {
    const sealed = await reseal(sql, box, 'plain');
    await sql.exec('DELETE FROM herald_secret_keys WHERE key_id = $1', [PLAINTEXT]);
    // SQLite keeps what a row held before in free pages until they are reused: rewrite the file
    // so a copy of it no longer shows the plain values just sealed.
    if (sealed > 0 && sql.dialect === 'sqlite') {
      await sql.exec('VACUUM');
      await sql.query('PRAGMA wal_checkpoint(TRUNCATE)');
    }
  }
  return box;
}

/**
 * Seals again, with the current key, every value that is plain (`plain`) or not sealed with the
 * current key (`all`). A transaction per batch of rows, each write conditional on the value it
 * read: a crash or a concurrent writer loses nothing, and running it again finishes the job.
 */
export async function reseal(
  sql: Sql,
  box: SecretBox,
  which: 'plain' | 'all',
  onBatch?: (where: string, count: number) => void,
): Promise<number> {
  const done = which === 'plain' ? `${SEALED_PREFIX}%` : `${SEALED_PREFIX}${box.currentId}.%`;
  let count = 0;
  for (const { table, column } of SEALED_COLUMNS) {
    let after = '';
    for (;;) {
      const rows = await sql.query(
        `SELECT id, ${column} AS v FROM ${table}
          WHERE id > $1 AND ${column} IS NOT NULL AND ${column} NOT LIKE $2 ORDER BY id LIMIT ${BATCH}`,
        [after, done],
      );
      const changed = await sql.tx(async (tx) => {
        let n = 0;
        for (const r of rows) {
          const old = String(r['v']);
          n += await tx.exec(`UPDATE ${table} SET ${column} = $1 WHERE id = $2 AND ${column} = $3`, [
            box.seal(box.open(old)),
            r['id'],
            old,
          ]);
        }
        return n;
      });
      count += changed;
      if (changed > 0) onBatch?.(`${table}.${column}`, changed);
      if (rows.length < BATCH) break;
      after = String(rows[rows.length - 1]!['id']);
    }
  }
  return count;
}

/** After a full reseal: the database no longer needs any key but the current one. */
export async function forgetOtherKeys(sql: Sql, box: SecretBox): Promise<void> {
  await sql.exec('DELETE FROM herald_secret_keys WHERE key_id <> $1', [box.currentId]);
}
