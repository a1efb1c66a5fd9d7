import type { Delivery, Hook } from '../../domain/types.ts';
import * as shared from '../shared/rows.ts';
import type { Dialect } from '../shared/rows.ts';
import type { Param, Row } from './db.ts';

export {
  aliased,
  apiKeyFromRow,
  attemptFromRow,
  deliveryFromRow,
  eventFromRow,
  HOOK_COLUMNS,
  tenantFromRow,
} from '../shared/rows.ts';

/** SQLite stores booleans as 0/1 integers and numbers its parameters `?`. */
export const SQLITE: Dialect = {
  bool: (v) => Number(v) === 1,
  boolParam: (b) => (b ? 1 : 0),
  placeholder: () => '?',
};

export const DELIVERY_COLUMNS = shared.DELIVERY_COLUMN_NAMES;

export function placeholders(n: number): string {
  return shared.placeholderList(SQLITE, n);
}

export function hookFromRow(r: Row, p = ''): Hook {
  return shared.hookFromRow(SQLITE, r, p);
}

export function hookParams(h: Hook): Param[] {
  return shared.hookValues(SQLITE, h) as Param[];
}

export function deliveryParams(d: Delivery): Param[] {
  return shared.deliveryValues(d) as Param[];
}
