import type { Page } from '../domain/types.ts';

/** Lists fetch one row more than the page, to know whether a next page exists. */
export async function fetchPage<T extends { id: string }>(
  limit: number,
  fetch: (limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? (data[data.length - 1]?.id ?? null) : null };
}

export interface PageRequest {
  limit: number;
  /** The last id of the previous page. */
  after?: string | undefined;
}
