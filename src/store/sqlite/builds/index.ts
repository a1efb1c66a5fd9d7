import type { BuildStore } from '../../builds.ts';
import type { SqliteDb } from '../db.ts';

export function createSqliteBuildStore(_db: SqliteDb): BuildStore {
  return {};
}
