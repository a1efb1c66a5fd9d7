import { MAX_AHEAD_US, toleranceUs } from '../../domain/rate-limit.ts';
import type { Sql } from '../sql.ts';

/**
 * One GCRA admission for a rate-limited hook (domain/rate-limit.ts `take`), atomically: the
 * upsert moves the hook's next free slot only when the send is admitted, so workers sharing the
 * database never take the same slot. A refused send reads the slot to wait for. The row
 * outlives a database restart, so the limit does too.
 */
export async function takeRateSlot(
  sql: Sql,
  hookId: string,
  nowUs: number,
  intervalUs: number,
): Promise<{ granted: boolean; nextAtUs: number }> {
  const max = sql.dialect === 'postgres' ? 'GREATEST' : 'max';
  const now = 'CAST($2 AS BIGINT)';
  const rows = await sql.query(
    `INSERT INTO hook_rate_slots (hook_id, next_at_us) VALUES ($1, ${now} + CAST($3 AS BIGINT))
     ON CONFLICT (hook_id) DO UPDATE
       SET next_at_us = CASE WHEN hook_rate_slots.next_at_us > ${now} + ${MAX_AHEAD_US} THEN ${now}
                             ELSE ${max}(hook_rate_slots.next_at_us, ${now}) END + CAST($3 AS BIGINT)
       WHERE hook_rate_slots.next_at_us <= ${now} + CAST($4 AS BIGINT)
          OR hook_rate_slots.next_at_us > ${now} + ${MAX_AHEAD_US}
     RETURNING next_at_us`,
    [hookId, nowUs, intervalUs, toleranceUs(intervalUs)],
    'herald_take_rate_slot',
  );
  if (rows.length > 0) return { granted: true, nextAtUs: Number(rows[0]!['next_at_us']) };
  const held = await sql.query('SELECT next_at_us FROM hook_rate_slots WHERE hook_id = $1', [hookId]);
  return { granted: false, nextAtUs: Number(held[0]?.['next_at_us'] ?? nowUs) };
}
