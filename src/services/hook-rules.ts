import { findEventType } from '../domain/event-types.ts';
import { HeraldError, type ErrorCode } from '../domain/errors.ts';
import { HOOK_OBJECTS, type Hook } from '../domain/types.ts';
import { objectOf } from '../ingest/match.ts';
import { optionProblems, type OptionSettings } from './hook-option-rules.ts';
import { checkTargetUrl, MAX_TARGET_URL_LENGTH, type Cidr } from '../network/policy.ts';

/**
 * The rules a hook's settings must keep, whoever sends them (JSON API or console form).
 * Every problem is reported, so a form can show each next to its field; the API answers
 * with the first.
 */

export type HookField =
  | 'name'
  | 'url'
  | 'objects'
  | 'events'
  | 'username'
  | 'password'
  | 'headers'
  | 'filter'
  | 'rateLimit'
  | 'orderingKey';

export type ProblemReason =
  | 'blank'
  | 'tooLong'
  | 'invalidUrl'
  | 'blockedTarget'
  | 'noObjects'
  | 'unknownObject'
  | 'unknownEvent'
  | 'eventNotOfObjects'
  | 'tooMany'
  | 'missingPair'
  | 'passwordForNewOrigin'
  | 'invalidHeader'
  | 'reservedHeader'
  | 'invalidSchema'
  | 'invalidPointer'
  | 'keyWithoutFifo'
  | 'outOfRange';

export interface HookProblem {
  field: HookField;
  code: ErrorCode;
  reason: ProblemReason;
  /** JSON pointer into the request body. */
  path: string;
  message: string;
  /** The offending value, where one stands out (an event type). */
  value?: string;
}

export type HookSettings = Pick<Hook, 'name' | 'url' | 'objects' | 'events' | 'username' | 'password'> &
  Partial<OptionSettings>;

const MAX_NAME = 200;
const MAX_EVENTS = 100;
const MAX_CREDENTIAL = 256;

const problem = (
  field: HookField,
  code: ErrorCode,
  reason: ProblemReason,
  message: string,
  path = `/${field}`,
  value?: string,
): HookProblem => ({ field, code, reason, path, message, ...(value !== undefined && { value }) });

function nameProblems(name: string): HookProblem[] {
  if (name === '') return [problem('name', 'VALIDATION_FAILED', 'blank', 'name must not be blank')];
  if (name.length > MAX_NAME)
    return [problem('name', 'VALIDATION_FAILED', 'tooLong', `name must be at most ${MAX_NAME} characters`)];
  return [];
}

function urlProblems(url: string, allowlist: readonly Cidr[]): HookProblem[] {
  if (url === '') return [problem('url', 'INVALID_URL', 'blank', 'URL must be a non-empty string')];
  if (url.length > MAX_TARGET_URL_LENGTH)
    return [
      problem('url', 'INVALID_URL', 'tooLong', `URL is longer than ${MAX_TARGET_URL_LENGTH} characters`),
    ];
  const check = checkTargetUrl(url, allowlist);
  if (check.ok) return [];
  return [
    problem('url', check.code, check.code === 'INVALID_URL' ? 'invalidUrl' : 'blockedTarget', check.message),
  ];
}

/** No objects is fine when events are named (the tenant's own types have no built-in object). */
function objectProblems(objects: readonly string[], namesEvents: boolean): HookProblem[] {
  if (objects.length === 0 && !namesEvents)
    return [
      problem(
        'objects',
        'VALIDATION_FAILED',
        'noObjects',
        "objects must name at least one object (or events one of the tenant's own event types)",
      ),
    ];
  const unknown = objects.findIndex((o) => !(HOOK_OBJECTS as readonly string[]).includes(o));
  if (unknown !== -1)
    return [
      problem(
        'objects',
        'VALIDATION_FAILED',
        'unknownObject',
        `unknown object "${objects[unknown]}"`,
        `/objects/${unknown}`,
        objects[unknown],
      ),
    ];
  return [];
}

/**
 * The first problem among the events only: one wrong name usually explains the rest. A name
 * in `own` (the tenant's own event types) is of no built-in object, so needs none.
 */
function eventProblems(
  events: readonly string[] | null,
  objects: readonly string[],
  objectsOk: boolean,
  own: ReadonlySet<string>,
) {
  const list = events ?? [];
  if (list.length > MAX_EVENTS)
    return [problem('events', 'VALIDATION_FAILED', 'tooMany', `name at most ${MAX_EVENTS} events`)];
  for (const [i, e] of list.entries()) {
    if (own.has(e)) continue;
    // ping is sent to one hook on request, so subscribing to it means nothing.
    if (!findEventType(e) || e === 'ping')
      return [
        problem(
          'events',
          'UNKNOWN_EVENT_TYPE',
          'unknownEvent',
          `unknown event type "${e}"`,
          `/events/${i}`,
          e,
        ),
      ];
    if (objectsOk && !objects.includes(objectOf(e)))
      return [
        problem(
          'events',
          'VALIDATION_FAILED',
          'eventNotOfObjects',
          `event "${e}" is not of one of the hook's objects: add "${objectOf(e)}" to objects or remove this event`,
          `/events/${i}`,
          e,
        ),
      ];
  }
  return [];
}

function credentialProblems(h: HookSettings, passwordDropped: boolean): HookProblem[] {
  const out: HookProblem[] = [];
  if (h.username !== null && h.username.length > MAX_CREDENTIAL)
    out.push(
      problem(
        'username',
        'VALIDATION_FAILED',
        'tooLong',
        `username must be at most ${MAX_CREDENTIAL} characters`,
      ),
    );
  if (h.password !== null && h.password.length > MAX_CREDENTIAL)
    out.push(
      problem(
        'password',
        'VALIDATION_FAILED',
        'tooLong',
        `password must be at most ${MAX_CREDENTIAL} characters`,
      ),
    );
  if ((h.username === null) !== (h.password === null)) {
    const field = h.username === null ? 'username' : 'password';
    out.push(
      passwordDropped && field === 'password'
        ? problem(
            'password',
            'VALIDATION_FAILED',
            'passwordForNewOrigin',
            'the URL now points at another origin, so the stored password is not sent there: give the password again (or drop the username)',
          )
        : problem(
            field,
            'VALIDATION_FAILED',
            'missingPair',
            'username and password go together: give both or neither',
          ),
    );
  }
  return out;
}

/**
 * Every problem of these settings, in the order of the form's fields. `ownTypes`: the names
 * of the tenant's own event types (a hook may name them in `events`).
 */
export function hookProblems(
  h: HookSettings,
  allowlist: readonly Cidr[],
  opts: { passwordDropped?: boolean; ownTypes?: ReadonlySet<string> } = {},
): HookProblem[] {
  const own = opts.ownTypes ?? new Set<string>();
  const objects = objectProblems(h.objects, (h.events ?? []).length > 0);
  return [
    ...nameProblems(h.name),
    ...urlProblems(h.url, allowlist),
    ...objects,
    ...eventProblems(h.events, h.objects, objects.length === 0, own),
    ...credentialProblems(h, opts.passwordDropped ?? false),
    ...optionProblems({
      headers: h.headers ?? {},
      filter: h.filter ?? null,
      rateLimit: h.rateLimit ?? null,
      ordering: h.ordering ?? 'none',
      orderingKey: h.orderingKey ?? null,
    }),
  ];
}

/** Scheme, host and port: what Basic-auth credentials belong to. */
export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Hook settings that break a rule. Its code, message and details are those of the first
 * problem (what the API answers); `problems` holds every one, for the console's form.
 */
export class HookInvalid extends HeraldError {
  readonly problems: HookProblem[];

  constructor(problems: HookProblem[]) {
    const first = problems[0]!;
    super(first.code, first.message, [{ path: first.path, message: first.message }]);
    this.problems = problems;
  }
}
