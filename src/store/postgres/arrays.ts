/**
 * Array parameters in PostgreSQL's binary format. pg sends a Buffer parameter as binary, and
 * the server reads it with array_recv: no quoting and escaping of every element on our side
 * (pg's text arrays run two regex replaces per string, costly for JSON payloads) and no
 * parsing of the literal on the server's. The SQL casts the parameter (`$1::text[]`), which
 * fixes its type; the element type in the header must match that cast.
 */

/** The element types the hot-path statements use, as written in their casts. */
export type ArrayType = 'text' | 'int' | 'bigint' | 'float8';

const OID: Record<ArrayType, number> = { text: 25, int: 23, bigint: 20, float8: 701 };
const HEADER = 20;
const TWO_32 = 4294967296;

type Value = string | number | null | undefined;

/** One column of values as a binary array of `type` (null and undefined are NULL). */
export function binaryArray(type: ArrayType, values: readonly unknown[]): Buffer {
  return type === 'text'
    ? textArray(values as readonly Value[])
    : numberArray(type, values as readonly Value[]);
}

function header(buf: Buffer, type: ArrayType, n: number): void {
  buf.writeInt32BE(1, 0); // dimensions
  buf.writeInt32BE(1, 4); // has nulls (allowed, not required)
  buf.writeInt32BE(OID[type], 8);
  buf.writeInt32BE(n, 12);
  buf.writeInt32BE(1, 16); // lower bound
}

function textArray(values: readonly Value[]): Buffer {
  const n = values.length;
  const lengths = new Int32Array(n);
  let size = HEADER + 4 * n;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      lengths[i] = -1;
      continue;
    }
    if (typeof v !== 'string') throw new TypeError(`text array element ${i} is a ${typeof v}`);
    const len = Buffer.byteLength(v, 'utf8');
    lengths[i] = len;
    size += len;
  }
  const buf = Buffer.allocUnsafe(size);
  header(buf, 'text', n);
  let at = HEADER;
  for (let i = 0; i < n; i++) {
    const len = lengths[i]!;
    buf.writeInt32BE(len, at);
    at += 4;
    if (len > 0) at += buf.write(values[i] as string, at, len, 'utf8');
  }
  return buf;
}

const WIDTH: Record<Exclude<ArrayType, 'text'>, number> = { int: 4, bigint: 8, float8: 8 };

function numberArray(type: Exclude<ArrayType, 'text'>, values: readonly Value[]): Buffer {
  const n = values.length;
  const width = WIDTH[type];
  const buf = Buffer.allocUnsafe(HEADER + n * (4 + width));
  header(buf, type, n);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = HEADER;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      view.setInt32(at, -1);
      at += 4;
      continue;
    }
    view.setInt32(at, width);
    writeNumber(view, at + 4, type, checked(type, v, i));
    at += 4 + width;
  }
  return buf.subarray(0, at);
}

function writeNumber(view: DataView, at: number, type: Exclude<ArrayType, 'text'>, v: number): void {
  if (type === 'float8') view.setFloat64(at, v);
  else if (type === 'int') view.setInt32(at, v);
  else {
    const high = Math.floor(v / TWO_32);
    view.setInt32(at, high);
    view.setUint32(at + 4, v - high * TWO_32);
  }
}

/**
 * The text format made the server refuse a fraction or an out-of-range value for an integer
 * column; binary would silently store something else, so refuse it here instead.
 */
function checked(type: Exclude<ArrayType, 'text'>, v: Value, i: number): number {
  if (typeof v !== 'number') throw new TypeError(`${type} array element ${i} is a ${typeof v}`);
  if (type === 'float8') return v;
  const ok =
    type === 'int' ? Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 : Number.isSafeInteger(v);
  if (!ok) throw new RangeError(`${type} array element ${i} is not a valid ${type}: ${v}`);
  return v;
}
