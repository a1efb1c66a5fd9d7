import { DELIVERY_COLUMN_NAMES, deliveryValues, type DeliveryColumn } from '../shared/rows.ts';
import type { Delivery } from '../../domain/types.ts';
import type { Codec } from '../sealing/box.ts';
import { binaryArray, type ArrayType } from './arrays.ts';

const DELIVERY_TYPES: Record<DeliveryColumn, ArrayType> = {
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
  order_key: 'text',
};

/** Deliveries' columns with their array types, for `INSERT … SELECT FROM unnest(…)`. */
export const DELIVERY_COLUMNS: readonly (readonly [DeliveryColumn, ArrayType])[] = DELIVERY_COLUMN_NAMES.map(
  (c) => [c, DELIVERY_TYPES[c]] as const,
);

/** `$1::text[], $2::bigint[], …` for the given element types, numbered from `from`. */
export function arrayCasts(types: readonly ArrayType[], from = 1): string {
  return types.map((t, i) => `$${i + from}::${t}[]`).join(', ');
}

/** `unnest($1::text[], $2::bigint[], …)` for the given element types: one statement for many rows. */
export function unnest(types: readonly ArrayType[], from = 1): string {
  return `unnest(${arrayCasts(types, from)})`;
}

/** One array per column of the given rows (each row a list of values in the same column order). */
export function columnArrays(rows: unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const values of rows) values.forEach((v, i) => cols[i]?.push(v));
  return cols;
}

/** Columns as binary array parameters of the given element types (see arrays.ts). */
export function binaryColumns(types: readonly ArrayType[], columns: readonly unknown[][]): Buffer[] {
  return types.map((t, i) => binaryArray(t, columns[i] ?? []));
}

/** One binary array per column (DELIVERY_COLUMNS order), for a single unnest insert of many rows. */
export function deliveryArrays(codec: Codec, ds: Delivery[]): Buffer[] {
  return binaryColumns(
    DELIVERY_COLUMNS.map(([, t]) => t),
    columnArrays(
      ds.map((d) => deliveryValues(codec, d)),
      DELIVERY_COLUMNS.length,
    ),
  );
}
