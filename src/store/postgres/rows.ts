import { DELIVERY_COLUMN_NAMES, deliveryValues, type DeliveryColumn } from '../shared/rows.ts';
import type { Delivery } from '../../domain/types.ts';

const DELIVERY_TYPES: Record<DeliveryColumn, string> = {
  id: 'text',
  tenant_id: 'text',
  event_id: 'text',
  hook_id: 'text',
  target: 'text',
  status: 'text',
  attempts: 'int',
  schedule_pos: 'int',
  next_attempt_at: 'bigint',
  lease_owner: 'text',
  lease_until: 'bigint',
  last_status: 'int',
  last_error: 'text',
  created_at: 'bigint',
  updated_at: 'bigint',
  delivered_at: 'bigint',
};

/** Deliveries' columns with their array types, for `INSERT … SELECT FROM unnest(…)`. */
export const DELIVERY_COLUMNS: readonly (readonly [DeliveryColumn, string])[] = DELIVERY_COLUMN_NAMES.map(
  (c) => [c, DELIVERY_TYPES[c]] as const,
);

/** `unnest($1::text[], $2::bigint[], …)` for the given element types: one statement for many rows. */
export function unnest(types: readonly string[], from = 1): string {
  return `unnest(${types.map((t, i) => `$${i + from}::${t}[]`).join(', ')})`;
}

/** One array per column of the given rows (each row a list of values in the same column order). */
export function columnArrays(rows: unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const values of rows) values.forEach((v, i) => cols[i]?.push(v));
  return cols;
}

/** One array per column (DELIVERY_COLUMNS order), for a single unnest insert of many rows. */
export function deliveryArrays(ds: Delivery[]): unknown[][] {
  return columnArrays(ds.map(deliveryValues), DELIVERY_COLUMNS.length);
}
