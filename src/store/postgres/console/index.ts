import type pg from 'pg';
import type { ConsoleStore } from '../../console.ts';

export function createPostgresConsoleStore(_pool: pg.Pool): ConsoleStore {
  return {};
}
