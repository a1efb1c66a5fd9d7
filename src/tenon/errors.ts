/**
 * Tenon's response codes: `{status, message, code, moreInfo}`, the HTTP status equal to
 * `status`. One registry, as Herald's own errors have; `moreInfo` points at Tenon's page for
 * the code so existing client code that logs it keeps working.
 */
import type { TenonStatus } from './types.ts';

const MORE_INFO = 'https://tenon.io/documentation/understanding-response-codes.php#';

/** code → [HTTP status, RFC 2616 reason phrase]. */
export const TENON_CODES = {
  // The real 2016 response says "success" here, not RFC 2616's "OK".
  success: [200, 'success'],
  invalid_param: [400, 'Bad Request'],
  required_param_missing: [400, 'Bad Request'],
  api_credentials_invalid: [401, 'Unauthorized'],
  monthly_limit_reached: [402, 'Payment Required'],
  blocked: [403, 'Forbidden'],
  not_found: [404, 'Not Found'],
  method_not_allowed: [405, 'Method Not Allowed'],
  internal_server_error: [500, 'Internal Server Error'],
  doc_source_unavailable: [522, 'Connection Timed Out'],
} as const satisfies Record<string, readonly [number, string]>;

export type TenonCode = keyof typeof TENON_CODES;

/**
 * A Tenon error body. `detail` names what was wrong (which parameter, which value); Tenon
 * itself answers only the four fields, so it is an extra field clients ignore.
 */
export interface TenonErrorBody extends TenonStatus {
  detail?: string;
}

export function tenonStatus(code: TenonCode, detail?: string): TenonErrorBody {
  const [status, message] = TENON_CODES[code];
  const body: TenonErrorBody = { status, message, code, moreInfo: MORE_INFO + code };
  if (detail !== undefined) body.detail = detail;
  return body;
}

/** Thrown inside the tenon modules; the adapter answers `body` with HTTP `body.status`. */
export class TenonError extends Error {
  readonly body: TenonErrorBody;
  constructor(code: TenonCode, detail?: string) {
    super(detail ?? code);
    this.name = 'TenonError';
    this.body = tenonStatus(code, detail);
  }
}
