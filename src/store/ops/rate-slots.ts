import { MAX_AHEAD_US, toleranceUs } from '../../domain/rate-limit.ts';
import type { Sql } from '../sql.ts';

/**
 * One GCRA admission of up to `n` sends for a rate-limited hook (domain/rate-limit.ts `take`),
 * atomically: the upsert moves the hook's next free slot only by the sends it admits, so workers
 * sharing the database never take the same slot. Every SET expression reads the row as it was,
 * so `granted` and `next_at_us` agree. A refused call reads the slot to wait for. The row
 * outlives a database restart, so the limit does too.
 */
export async function takeRateSlots(
  sql: Sql,
  hookId: string,
  nowUs: number,
  intervalUs: number,
  n: number,
): Promise<{ granted: number; nextAtUs: number }> {
  const pg = sql.dialect === 'postgres';
  const [max, min] = pg ? ['GREATEST', 'LEAST'] : ['max', 'min'];
  const now = 'CAST($2 AS BIGINT)';
  const interval = 'CAST($3 AS BIGINT)';
  const tolerance = 'CAST($4 AS BIGINT)';
  const n$ = 'CAST($5 AS BIGINT)';
  const base = `(CASE WHEN hook_rate_slots.next_at_us > ${now} + ${MAX_AHEAD_US} THEN ${now}
                      ELSE ${max}(hook_rate_slots.next_at_us, ${now}) END)`;
  const count = `${min}(${n$}, (${now} + ${tolerance} - ${base}) / ${interval} + 1)`;
  const first = `${min}(${n$}, ${tolerance} / ${interval} + 1)`;
  const rows = await sql.query(
    `INSERT INTO hook_rate_slots (hook_id, next_at_us, granted)
       VALUES ($1, ${now} + ${first} * ${interval}, ${first})
     ON CONFLICT (hook_id) DO UPDATE
       SET granted = ${count}, next_at_us = ${base} + ${count} * ${interval}
       WHERE ${base} <= ${now} + ${tolerance}
     RETURNING granted, next_at_us`,
    [hookId, nowUs, intervalUs, toleranceUs(intervalUs), n],
    'herald_take_rate_slots',
  );
  if (rows.length > 0)
    return { granted: Number(rows[0]!['granted']), nextAtUs: Number(rows[0]!['next_at_us']) };
  const held = await sql.query('SELECT next_at_us FROM hook_rate_slots WHERE hook_id = $1', [hookId]);
  return { granted: 0, nextAtUs: Number(held[0]?.['next_at_us'] ?? nowUs) };
}
