import { MAX_AHEAD_US } from '../../domain/rate-limit.ts';
import type { Sql } from '../sql.ts';

/**
 * Reserves `n` send slots of a rate-limited hook, `intervalUs` apart, and returns the hook's new
 * next free slot (unix µs); the reserved slots are the `n` before it (domain/rate-limit.ts). One
 * atomic upsert, so workers sharing the database never get the same slot. The row outlives a
 * database restart, so the limit does too.
 */
export async function reserveRateSlots(
  sql: Sql,
  hookId: string,
  nowUs: number,
  n: number,
  intervalUs: number,
): Promise<number> {
  const max = sql.dialect === 'postgres' ? 'GREATEST' : 'max';
  const min = sql.dialect === 'postgres' ? 'LEAST' : 'min';
  const rows = await sql.query(
    `INSERT INTO hook_rate_slots (hook_id, next_at_us) VALUES ($1, CAST($2 AS BIGINT) + CAST($3 AS BIGINT))
     ON CONFLICT (hook_id) DO UPDATE
       SET next_at_us = ${max}(${min}(hook_rate_slots.next_at_us, CAST($2 AS BIGINT) + ${MAX_AHEAD_US}), CAST($2 AS BIGINT))
         + CAST($3 AS BIGINT)
     RETURNING next_at_us`,
    [hookId, nowUs, n * intervalUs],
    'herald_reserve_rate_slots',
  );
  return Number(rows[0]!['next_at_us']);
}
