import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { binaryArray } from '../../src/store/postgres/arrays.ts';
import { TYPES } from '../../src/store/postgres/pool.ts';
import { pgSkipReason, TEST_PG_URL } from '../helpers/pg.ts';

const skip = await pgSkipReason();

// What the server reads from each binary array: the same elements as the text format gives.
describe('PostgreSQL binary array parameters', { skip }, () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: TEST_PG_URL, types: TYPES });
    await client.connect();
  });
  after(async () => {
    await client.end();
  });

  const roundTrip = async (
    type: 'text' | 'int' | 'bigint' | 'float8',
    values: unknown[],
  ): Promise<unknown> => {
    const res = await client.query<{ a: unknown[] }>(`SELECT $1::${type}[] AS a`, [
      binaryArray(type, values),
    ]);
    return res.rows[0]?.a;
  };

  test('text: NULLs, empty strings, quotes, backslashes, commas, braces and multi-byte UTF-8', async () => {
    const values = [
      'plain',
      '',
      null,
      '{"json":"with \\"quotes\\" and \\\\ backslashes"}',
      'a,b}{c',
      'NULL',
      'ünïcødé ✓ 🎉',
      'x'.repeat(70_000),
    ];
    assert.deepEqual(await roundTrip('text', values), values);
  });

  test('bigint: unix milliseconds, negatives, zero and the largest safe integers', async () => {
    const values = [Date.now(), 0, -1, null, -4294967297, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    // The int8 parser reads them back as numbers (see TYPES).
    const back = (await roundTrip('bigint', values)) as unknown[];
    assert.deepEqual(
      back.map((v) => (v === null ? null : Number(v))),
      values,
    );
  });

  test('int and float8 keep their values, NULLs included', async () => {
    assert.deepEqual(await roundTrip('int', [0, 200, -7, null, 2147483647, -2147483648]), [
      0,
      200,
      -7,
      null,
      2147483647,
      -2147483648,
    ]);
    assert.deepEqual(await roundTrip('float8', [1.5, 0, -0.25, null, 1e-9]), [1.5, 0, -0.25, null, 1e-9]);
  });

  test('an empty array is an empty array', async () => {
    assert.deepEqual(await roundTrip('text', []), []);
    assert.deepEqual(await roundTrip('bigint', []), []);
  });

  test('a value the column could not hold is refused before it is sent', () => {
    assert.throws(() => binaryArray('bigint', [1.5]), RangeError);
    assert.throws(() => binaryArray('bigint', [2 ** 53]), RangeError);
    assert.throws(() => binaryArray('int', [2147483648]), RangeError);
    assert.throws(() => binaryArray('int', ['7']), TypeError);
    assert.throws(() => binaryArray('text', [7]), TypeError);
  });
});
