import type { BuildRun, Trace } from '../../../domain/builds.ts';
import * as shared from '../../shared/builds-rows.ts';
import { insertSql as sharedInsertSql } from '../../shared/rows.ts';
import type { Row } from '../pool.ts';
import { POSTGRES } from '../rows.ts';

export {
  BUILD_COLUMNS,
  buildFromRow,
  buildValues,
  PROJECT_COLUMNS,
  projectFromRow,
  projectValues,
  RUN_COLUMNS,
  SITE_COLUMNS,
  siteFromRow,
  siteValues,
  TRACE_COLUMNS,
} from '../../shared/builds-rows.ts';

export function insertSql(table: string, columns: readonly string[]): string {
  return sharedInsertSql(POSTGRES, table, columns);
}

export function traceFromRow(r: Row): Trace {
  return shared.traceFromRow(POSTGRES, r);
}

export function traceValues(t: Trace): unknown[] {
  return shared.traceValues(POSTGRES, t);
}

export function runFromRow(r: Row): BuildRun {
  return shared.runFromRow(POSTGRES, r);
}

export function runValues(r: BuildRun): unknown[] {
  return shared.runValues(POSTGRES, r);
}
