import type { Build, BuildRun, Project, Site, Trace } from '../../../domain/builds.ts';
import * as shared from '../../shared/builds-rows.ts';
import { insertSql as sharedInsertSql } from '../../shared/rows.ts';
import type { Param, Row } from '../db.ts';
import { SQLITE } from '../rows.ts';

export {
  BUILD_COLUMNS,
  buildFromRow,
  PROJECT_COLUMNS,
  projectFromRow,
  RUN_COLUMNS,
  SITE_COLUMNS,
  siteFromRow,
  TRACE_COLUMNS,
} from '../../shared/builds-rows.ts';

export function insertSql(table: string, columns: readonly string[]): string {
  return sharedInsertSql(SQLITE, table, columns);
}

export function projectParams(p: Project): Param[] {
  return shared.projectValues(p) as Param[];
}

export function siteParams(s: Site): Param[] {
  return shared.siteValues(s) as Param[];
}

export function traceFromRow(r: Row): Trace {
  return shared.traceFromRow(SQLITE, r);
}

export function traceParams(t: Trace): Param[] {
  return shared.traceValues(SQLITE, t) as Param[];
}

export function buildParams(b: Build): Param[] {
  return shared.buildValues(b) as Param[];
}

export function runFromRow(r: Row): BuildRun {
  return shared.runFromRow(SQLITE, r);
}

export function runParams(r: BuildRun): Param[] {
  return shared.runValues(SQLITE, r) as Param[];
}
