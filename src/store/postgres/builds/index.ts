import type pg from 'pg';
import type { BuildStore } from '../../builds.ts';

export function createPostgresBuildStore(_pool: pg.Pool): BuildStore {
  return {};
}
