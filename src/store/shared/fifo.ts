/**
 * FIFO hooks (issue 17), as the claim sees them. A delivery of a `fifo` hook carries its queue in
 * `order_key` ('' for the whole hook, or the orderingKey's value); only the oldest pending
 * delivery of a queue may be claimed. While it is pending (leased, in flight, waiting for a
 * retry) the ones behind it are held; once it is delivered or failed for good, the next is the
 * head. The rule lives in the rows, not in a worker, so it holds across workers and a crash: a
 * dead worker's head keeps its place and is taken over with its lease.
 *
 * Delivery ids are monotonic ULIDs minted at fan-out, so id order is accepted order.
 *
 * For any other delivery the clause is decided by the first comparison, on the hook row the
 * claim joins anyway: hooks without FIFO pay nothing more (deliveries_fifo_idx covers the rest).
 */
export function fifoHead(d: string, h: string): string {
  return `(${h}.ordering IS NULL OR ${h}.ordering <> 'fifo' OR ${d}.order_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM deliveries ahead
       WHERE ahead.hook_id = ${d}.hook_id AND ahead.order_key = ${d}.order_key
         AND ahead.status = 'pending' AND ahead.id < ${d}.id))`;
}

/**
 * The pure form of the same rule, for tests and the console: of these pending deliveries, the
 * ones a claim may take (the oldest of each queue, and every unordered one).
 */
export function claimableHeads<D extends { id: string; hookId: string | null; orderKey?: string | null }>(
  pending: readonly D[],
): D[] {
  const oldest = new Map<string, string>();
  for (const d of pending) {
    if (d.orderKey === undefined || d.orderKey === null) continue;
    const q = `${d.hookId}\n${d.orderKey}`;
    const at = oldest.get(q);
    if (at === undefined || d.id < at) oldest.set(q, d.id);
  }
  return pending.filter(
    (d) =>
      d.orderKey === undefined || d.orderKey === null || oldest.get(`${d.hookId}\n${d.orderKey}`) === d.id,
  );
}
