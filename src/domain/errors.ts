/**
 * The one registry of errors a client can see. Only a HeraldError reaches a client, as
 * `{ "error": { "code", "message", "details" } }`; anything else is logged and answered
 * with a bare 500. Every code here is documented in docs/errors.md (a test checks).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  INVALID_URL: { status: 400, message: 'The URL is not valid' },
  TARGET_BLOCKED: { status: 400, message: 'The URL points at a blocked network' },
  UNKNOWN_EVENT_TYPE: { status: 400, message: 'Unknown event type' },
  INVALID_EVENT_DATA: { status: 400, message: 'The event data does not match its schema' },
  INVALID_SCHEMA: { status: 400, message: 'The JSON Schema is not valid' },
  INVALID_CURSOR: { status: 400, message: 'The pagination cursor is not valid' },
  INVALID_HEADER: { status: 400, message: 'A header name or value is not valid' },
  RESERVED_HEADER: { status: 400, message: 'That header is set by Herald and cannot be overridden' },
  INVALID_TRACE: { status: 400, message: 'A step of the trace is not valid' },
  BATCH_TOO_LARGE: { status: 400, message: 'Too many events in one batch' },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required' },
  FORBIDDEN: { status: 403, message: 'This key may not do that' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  HOOK_NOT_FOUND: { status: 404, message: 'Hook not found' },
  EVENT_NOT_FOUND: { status: 404, message: 'Event not found' },
  DELIVERY_NOT_FOUND: { status: 404, message: 'Delivery not found' },
  TENANT_NOT_FOUND: { status: 404, message: 'Tenant not found' },
  KEY_NOT_FOUND: { status: 404, message: 'API key not found' },
  PROJECT_NOT_FOUND: { status: 404, message: 'Project not found' },
  SITE_NOT_FOUND: { status: 404, message: 'Site monitor not found' },
  TRACE_NOT_FOUND: { status: 404, message: 'Trace not found' },
  BUILD_NOT_FOUND: { status: 404, message: 'Build not found' },
  EVENT_TYPE_NOT_FOUND: { status: 404, message: 'Event type not found' },
  MISDIRECTED_REQUEST: { status: 421, message: 'This server does not answer for that host name' },
  HOOK_DISABLED: { status: 409, message: 'The hook is disabled' },
  EVENT_TYPE_EXISTS: { status: 409, message: 'An event type of that name exists' },
  EVENT_TYPE_IN_USE: { status: 409, message: 'Hooks subscribe to this event type' },
  ISSUE_NOT_FOUND: { status: 404, message: 'Issue not found' },
  ISSUE_FIXED: { status: 409, message: 'The issue is fixed' },
  REPORT_NOT_READY: { status: 409, message: 'There is no finished result to report yet' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  EVENT_TOO_LARGE: { status: 413, message: 'The event is larger than HERALD_MAX_EVENT_BYTES' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be application/json' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is not ready' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class HeraldError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.name = 'HeraldError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details ?? null;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details: unknown } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
