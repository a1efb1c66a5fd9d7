import type { Sql } from '../sql.ts';

/** A FIFO queue of a hook as the console shows it: the head that holds it and how many wait. */
export interface FifoQueue {
  /** '' for the whole hook, else the orderingKey's value. */
  key: string;
  /** Pending deliveries in the queue, the head included. */
  pending: number;
  headId: string;
  headAttempts: number;
  headLastError: string | null;
  headNextAttemptAt: number | null;
}

/** A hook's FIFO queues that hold work, oldest head first (at most `limit`). */
export async function fifoQueues(
  sql: Sql,
  tenantId: string,
  hookId: string,
  limit = 50,
): Promise<FifoQueue[]> {
  const rows = await sql.query(
    `SELECT q.order_key, q.pending, h.id, h.attempts, h.last_error, h.next_attempt_at
       FROM (SELECT order_key, count(*) AS pending, min(id) AS head FROM deliveries
              WHERE tenant_id = $1 AND hook_id = $2 AND status = 'pending' AND order_key IS NOT NULL
              GROUP BY order_key) q
       JOIN deliveries h ON h.id = q.head
      ORDER BY q.head
      LIMIT $3`,
    [tenantId, hookId, limit],
  );
  return rows.map((r) => ({
    key: String(r['order_key']),
    pending: Number(r['pending']),
    headId: String(r['id']),
    headAttempts: Number(r['attempts']),
    headLastError: r['last_error'] === null ? null : String(r['last_error']),
    headNextAttemptAt: r['next_attempt_at'] === null ? null : Number(r['next_attempt_at']),
  }));
}
