import { HeraldError } from '../domain/errors.ts';
import {
  HEADER_NAME_RE,
  isHeaderValue,
  isReservedHeader,
  MAX_HEADER_VALUE,
  MAX_HEADERS,
  pointerProblem,
} from '../domain/hook-options.ts';
import { compileUserSchema } from '../domain/json-schema.ts';
import type { Hook } from '../domain/types.ts';
import type { HookProblem } from './hook-rules.ts';

/** The rules of a hook's delivery options (issue 17): headers, filter, ordering. */

export type OptionSettings = Pick<Hook, 'headers' | 'filter' | 'rateLimit' | 'ordering' | 'orderingKey'>;

function headerProblems(headers: Record<string, string>): HookProblem[] {
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS)
    return [
      {
        field: 'headers',
        code: 'INVALID_HEADER',
        reason: 'tooMany',
        path: '/headers',
        message: `name at most ${MAX_HEADERS} headers`,
      },
    ];
  for (const name of names) {
    const path = `/headers/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const at = (code: HookProblem['code'], reason: HookProblem['reason'], message: string): HookProblem[] => [
      { field: 'headers', code, reason, path, message, value: name },
    ];
    if (!HEADER_NAME_RE.test(name) || name.length > 100)
      return at('INVALID_HEADER', 'invalidHeader', `header name "${name}" is not an HTTP token`);
    if (isReservedHeader(name))
      return at(
        'RESERVED_HEADER',
        'reservedHeader',
        `header "${name}" is set by Herald and cannot be set here`,
      );
    const value = headers[name]!;
    if (!isHeaderValue(value) || value.length > MAX_HEADER_VALUE)
      return at(
        'INVALID_HEADER',
        'invalidHeader',
        `the value of header "${name}" must be at most ${MAX_HEADER_VALUE} characters without line breaks or control characters`,
      );
  }
  return [];
}

function filterProblems(filter: object | null): HookProblem[] {
  if (filter === null) return [];
  try {
    compileUserSchema(filter, '/filter');
    return [];
  } catch (err) {
    if (!(err instanceof HeraldError)) throw err;
    const first = (err.details as Array<{ path: string }> | null)?.[0];
    return [
      {
        field: 'filter',
        code: err.code,
        reason: 'invalidSchema',
        path: first?.path ?? '/filter',
        message: err.message,
      },
    ];
  }
}

function orderingProblems(h: OptionSettings): HookProblem[] {
  if (h.orderingKey === null) return [];
  const why = pointerProblem(h.orderingKey);
  if (why)
    return [
      {
        field: 'orderingKey',
        code: 'VALIDATION_FAILED',
        reason: 'invalidPointer',
        path: '/orderingKey',
        message: `orderingKey ${why}`,
      },
    ];
  if (h.ordering !== 'fifo')
    return [
      {
        field: 'orderingKey',
        code: 'VALIDATION_FAILED',
        reason: 'keyWithoutFifo',
        path: '/orderingKey',
        message: 'orderingKey needs ordering "fifo"',
      },
    ];
  return [];
}

function rateProblems(rate: number | null): HookProblem[] {
  if (rate === null || (Number.isInteger(rate) && rate >= 1 && rate <= 10_000)) return [];
  return [
    {
      field: 'rateLimit',
      code: 'VALIDATION_FAILED',
      reason: 'outOfRange',
      path: '/rateLimit',
      message: 'rateLimit must be a whole number of requests per second from 1 to 10000, or null',
    },
  ];
}

/** Every problem of the options, in the order of the form's fields. */
export function optionProblems(h: OptionSettings): HookProblem[] {
  return [
    ...headerProblems(h.headers),
    ...filterProblems(h.filter),
    ...rateProblems(h.rateLimit),
    ...orderingProblems(h),
  ];
}
