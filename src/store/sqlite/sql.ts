import type { Sql, Row } from '../sql.ts';
import type { Param, SqliteDb } from './db.ts';
import { SQLITE, type Dialect } from '../shared/rows.ts';

const PLACEHOLDER = /\$(\d+)/g;

/**
 * One per database file in this process: two stores on one file (tests, a second store
 * opened by mistake) are two connections, and a connection whose BEGIN IMMEDIATE waited
 * synchronously for a transaction that is awaiting on the same thread would never get it.
 */
interface Gate {
  /** Settles when the open transaction ends; null when none is open. */
  busy: Promise<void> | null;
}
const gates = new Map<string, Gate>();

export function gateFor(file: string): Gate {
  if (file === ':memory:' || file === '') return { busy: null };
  let gate = gates.get(file);
  if (!gate) {
    gate = { busy: null };
    gates.set(file, gate);
  }
  return gate;
}

/**
 * The SQL seam over the one synchronous `node:sqlite` connection. `$n` placeholders become
 * SQLite's numbered `?n` (once per distinct text). Every call completes synchronously and
 * returns a settled promise; only a transaction spans awaits, so while one is open other
 * callers wait for it instead of running their statements inside it.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  readonly d: Dialect;
  readonly #db: SqliteDb;
  readonly #texts: Map<string, string>;
  readonly #gate: Gate;
  /** The seam handed to a transaction's body: it runs inside, never waits on the gate. */
  readonly #inTx: boolean;

  constructor(
    db: SqliteDb,
    gate: Gate,
    d: Dialect = SQLITE,
    texts = new Map<string, string>(),
    inTx = false,
  ) {
    this.d = d;
    this.#db = db;
    this.#gate = gate;
    this.#texts = texts;
    this.#inTx = inTx;
  }

  #text(text: string): string {
    let translated = this.#texts.get(text);
    if (translated === undefined) {
      translated = text.replace(PLACEHOLDER, '?$1');
      this.#texts.set(text, translated);
    }
    return translated;
  }

  /** Runs `fn` on the raw connection once no transaction of this seam is open (the hot paths). */
  run<T>(fn: (db: SqliteDb) => T): Promise<T> {
    const busy = this.#inTx ? null : this.#gate.busy;
    if (busy) return busy.then(() => this.run(fn));
    try {
      return Promise.resolve(fn(this.#db));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.run((db) => db.all(this.#text(text), ...(params as Param[])));
  }

  exec(text: string, params: readonly unknown[] = []): Promise<number> {
    return this.run((db) => db.run(this.#text(text), ...(params as Param[])));
  }

  async tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.#inTx) return fn(this);
    while (this.#gate.busy) await this.#gate.busy;
    let done!: () => void;
    this.#gate.busy = new Promise((resolve) => (done = resolve));
    try {
      return await this.#db.txAsync(() => fn(new SqliteSql(this.#db, this.#gate, this.d, this.#texts, true)));
    } finally {
      this.#gate.busy = null;
      done();
    }
  }

  inList(n: number): string {
    return `IN (SELECT value FROM json_each($${n}))`;
  }

  list(values: readonly string[]): unknown {
    return JSON.stringify(values);
  }

  forUpdate(): string {
    return '';
  }

  notifyWake(): Promise<void> {
    return Promise.resolve();
  }
}
