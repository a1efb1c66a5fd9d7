import Type from 'typebox';
import type { Static, TSchema } from 'typebox';
import Compile from 'typebox/compile';
import type { Validator } from 'typebox/compile';

/**
 * The event catalogue: what Herald POSTs to subscribers, as TypeBox schemas. The envelope is
 * the Tenon web hook envelope `{eventID, event, dateAdded, data}`; `data` depends on the event.
 *
 * Data schemas require the fields the source documents show and allow any others, because
 * receivers must tolerate new fields. Only the envelope itself is closed: Herald sends exactly
 * those four keys. `schemas/webhook.json` is generated from this file (scripts/write-schema.ts).
 */

const UnixMs = (description: string) => Type.Integer({ minimum: 0, description });
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Flag = (description: string) => Type.Enum([0, 1], { type: 'integer', description });
const Level = (description: string) => Type.Enum(['A', 'AA', 'AAA'], { type: 'string', description });
const Score = (description: string) => Type.Integer({ minimum: 0, maximum: 100, description });

// --- apiLog: a Tenon test run -------------------------------------------------------------

export const TenonIssue = Type.Object(
  {
    bpID: Type.Optional(Type.Integer({ description: 'Best practice ID.' })),
    certainty: Type.Optional(Score('How certain Tenon is that this is a real issue (0-100).')),
    errorDescription: Type.Optional(Type.String({ description: 'What is wrong and how to fix it.' })),
    errorSnippet: Type.Optional(Type.String({ description: 'Source snippet where the issue was found.' })),
    errorTitle: Type.Optional(Type.String({ description: 'Short title of the issue.' })),
    issueID: Type.Optional(Type.String({ description: 'Identifier of this issue.' })),
    position: Type.Optional(
      Type.Object(
        { line: Type.Optional(Type.Integer()), column: Type.Optional(Type.Integer()) },
        { description: 'Line and column of the issue in the source.' },
      ),
    ),
    priority: Type.Optional(Score('Priority of the issue (0-100).')),
    ref: Type.Optional(Type.String({ description: 'Link to the best practice.' })),
    resultTitle: Type.Optional(Type.String({ description: 'Title of the test that failed.' })),
    signature: Type.Optional(Type.String({ description: 'Hash identifying this issue across runs.' })),
    standards: Type.Optional(Type.Array(Type.String(), { description: 'Standards the issue relates to.' })),
    tID: Type.Optional(Type.Integer({ description: 'Test ID.' })),
    viewPortLocation: Type.Optional(
      Type.Object({}, { description: 'Where the element sits in the viewport.' }),
    ),
    xpath: Type.Optional(Type.String({ description: 'XPath of the offending element.' })),
  },
  { title: 'Tenon issue', description: 'One issue of a Tenon API response `resultSet`.' },
);

/** Only the types of known fields are checked: the shape of an API response is Tenon's, not Herald's. */
export const TenonApiResponse = Type.Object(
  {
    status: Type.Optional(Type.Integer({ description: 'Response status code, e.g. 200.' })),
    code: Type.Optional(Type.String({ description: 'Response code name, e.g. "success".' })),
    message: Type.Optional(Type.String({ description: 'Response message.' })),
    moreInfo: Type.Optional(Type.String({ description: 'Link explaining the response code.' })),
    apiErrors: Type.Optional(Type.Array(Type.Unknown(), { description: 'Errors in the API request.' })),
    clientScriptErrors: Type.Optional(
      Type.Array(Type.Unknown(), { description: 'Script errors of the tested page.' }),
    ),
    documentSize: Type.Optional(Count('Size of the tested document in bytes.')),
    globalStats: Type.Optional(
      Type.Object({}, { description: 'Global density statistics (numeric strings in the 2016 API).' }),
    ),
    request: Type.Optional(
      Type.Object({}, { description: 'The request parameters, as Tenon understood them.' }),
    ),
    responseExecTime: Type.Optional(Type.String({ description: 'Execution time in seconds, as a string.' })),
    responseTime: Type.Optional(
      Type.String({ description: 'When the response was made, e.g. "2016-10-12T03:17:07+0000".' }),
    ),
    resultSet: Type.Optional(Type.Array(TenonIssue, { description: 'The issues found.' })),
    resultSummary: Type.Optional(
      Type.Object(
        {},
        { description: 'Summary: density, issue totals, issues by level, tests passing/failing.' },
      ),
    ),
    sourceHash: Type.Optional(Type.String({ description: 'Hash of the tested source.' })),
    urlHttpCode: Type.Optional(Type.Integer({ description: 'HTTP status code of the tested URL.' })),
  },
  {
    title: 'Tenon API response',
    description: 'A full copy of the Tenon test API response. Known fields are typed; none is required.',
  },
);

export const ApiLogData = Type.Object(
  {
    object: Type.Literal('apiLog', { description: 'Always "apiLog".' }),
    responseID: Type.String({ description: 'Identifier of the API response of this test run.' }),
    dateAdded: UnixMs('When the test run was logged, unix time in milliseconds.'),
    status: Type.String({ description: 'Status code of the API response, as a string, e.g. "200".' }),
    message: Type.String({ description: 'Status message of the API response, e.g. "Success".' }),
    reqLevel: Level('WCAG level requested for the test.'),
    reqCertainty: Score('Minimum certainty requested for the test (0-100).'),
    reqPriority: Score('Minimum priority requested for the test (0-100).'),
    docID: Type.String({ description: 'Identifier of the tested document.' }),
    documentSize: Count('Size of the tested document in bytes.'),
    sourceHash: Type.String({ description: 'Hash of the tested source.' }),
    errorDensity: Type.Number({ minimum: 0, description: 'Error density of the tested document.' }),
    warningDensity: Type.Number({ minimum: 0, description: 'Warning density of the tested document.' }),
    allDensity: Type.Number({ minimum: 0, description: 'Density of all issues of the tested document.' }),
    errors: Count('Number of errors found.'),
    warnings: Count('Number of warnings found.'),
    url: Type.String({ description: 'URL that was tested.' }),
    fragment: Flag('1 if the tested source was a fragment rather than a full document, else 0.'),
    store: Flag('1 if Tenon stored the results, else 0.'),
    projectID: Type.String({ description: 'Project the test run belongs to.' }),
    viewPortWidth: Count('Viewport width used for the test, in pixels.'),
    viewPortHeight: Count('Viewport height used for the test, in pixels.'),
    uaString: Type.String({ description: 'User agent string used for the test.' }),
    startTime: UnixMs('When the test started, unix time in milliseconds.'),
    endTime: UnixMs('When the test ended, unix time in milliseconds.'),
    true_http_code: Type.Integer({ description: 'HTTP status code returned by the tested URL.' }),
    delay: Count('Delay before testing, in milliseconds.'),
    issuesByLevelA: Count('Number of issues at WCAG level A.'),
    issuesByLevelAA: Count('Number of issues at WCAG level AA.'),
    issuesByLevelAAA: Count('Number of issues at WCAG level AAA.'),
    testsFailing: Count('Number of tests failing.'),
    testsPassing: Count('Number of tests passing.'),
    pageTitle: Type.String({ description: 'Title of the tested page.' }),
    fullResponse: TenonApiResponse,
  },
  {
    title: 'Test run (apiLog)',
    description:
      'A test run. Only announced when a new test run occurs: there are no updated or deleted events ' +
      'for test runs. Includes the full API response.',
  },
);

// --- project and site ------------------------------------------------------------------------

export const ProjectData = Type.Object(
  {
    object: Type.Literal('project', { description: 'Always "project".' }),
    projectID: Type.String({ description: 'Identifier of the project.' }),
    name: Type.String({ description: 'Name of the project.' }),
    description: Type.String({ description: 'Description of the project.' }),
    dateAdded: UnixMs('When the project was created, unix time in milliseconds.'),
    lastmod: UnixMs('When the project was last modified, unix time in milliseconds.'),
    defaultItem: Flag('1 if this is the default project, else 0.'),
    apiDefaultCertainty: Score('Default minimum certainty for API tests in this project (0-100).'),
    apiDefaultLevel: Level('Default WCAG level for API tests in this project.'),
    apiDefaultPriority: Score('Default minimum priority for API tests in this project (0-100).'),
    apiDefaultStore: Flag('Default store flag for API tests in this project: 1 stores results.'),
    apiDefaultUAString: Type.String({ description: 'Default user agent string for API tests.' }),
    apiDefaultViewportHeight: Count('Default viewport height for API tests, in pixels.'),
    apiDefaultViewportWidth: Count('Default viewport width for API tests, in pixels.'),
    baseUrl: Type.Optional(Type.String({ description: 'Base URL of the project. Added by Herald.' })),
  },
  { title: 'Project', description: 'A project. Announced when a project is created, updated or deleted.' },
);

export const SiteData = Type.Object(
  {
    object: Type.Literal('site', { description: 'Always "site".' }),
    name: Type.String({ description: 'Name of the site monitor.' }),
    siteKey: Type.String({ description: 'Key identifying the site monitor.' }),
    projectID: Type.String({ description: 'Project the site monitor belongs to.' }),
    siteUrl: Type.String({ description: 'URL of the monitored site.' }),
  },
  {
    title: 'Site monitor',
    description: 'A site monitor. Announced when a site monitor is created, updated or deleted.',
  },
);

// --- build: a Usetrace build report ---------------------------------------------------------

export const TestCase = Type.Object(
  {
    className: Type.String({ description: 'JUnit class name, e.g. "Usetrace.trace".' }),
    name: Type.String({ description: 'Browser and trace name, e.g. "chrome: Trace 1".' }),
    time: Type.Number({ minimum: 0, description: 'Duration of the test case in seconds.' }),
    error: Type.Union(
      [
        Type.Null(),
        Type.Object({
          type: Type.String({ description: 'Kind of failure, e.g. "error".' }),
          message: Type.String({ description: 'What failed, with links to details and a screenshot.' }),
        }),
      ],
      { description: 'null when the test case passed, else what went wrong.' },
    ),
    browserName: Type.Optional(Type.String({ description: 'Browser the trace ran in, e.g. "chrome".' })),
    traceName: Type.Optional(Type.String({ description: 'Name of the trace (may start with a space).' })),
    taggedBug: Type.Optional(Type.Boolean({ description: 'Whether the trace is tagged as a known bug.' })),
    taggedFlaky: Type.Optional(Type.Boolean({ description: 'Whether the trace is tagged as flaky.' })),
  },
  {
    title: 'Test case',
    description:
      'One trace run in one browser. browserName, traceName, taggedBug and taggedFlaky appear in ' +
      'current reports but not in older ones, so they are optional.',
  },
);

export const BuildData = Type.Object(
  {
    name: Type.String({
      description: 'Name of the build, e.g. "Environment: http://testsite.usetrace.com/".',
    }),
    tests: Count('Number of test cases (traces times browsers).'),
    traces: Count('Number of traces run.'),
    expectedTracesToPass: Count('Traces tagged neither as a known bug nor as flaky.'),
    tracesPassed: Count('Traces that passed in every browser.'),
    errors: Count('Failed traces in which some test case could not complete (a timeout, a missing element).'),
    failures: Count('Traces that failed in at least one browser.'),
    skip: Count('Traces not run.'),
    bugs: Count('Traces tagged as known bugs.'),
    bugsPassing: Count('Traces tagged as known bugs that passed in every browser.'),
    buildStable: Type.Boolean({ description: 'Whether every trace expected to pass passed.' }),
    testCase: Type.Array(TestCase, { description: 'One entry per trace and browser.' }),
    buildId: Type.String({ description: 'Identifier of the build.' }),
    projectID: Type.String({ description: 'Usetrace project the build ran for.' }),
    commit: Type.Union([Type.String(), Type.Null()], { description: 'Commit that was tested, or null.' }),
    commitLink: Type.Union([Type.String(), Type.Null()], { description: 'Link to the commit, or null.' }),
  },
  {
    title: 'Build result',
    description:
      'A finished Usetrace build (trace execute or project execute-all): the JUnit-like build report ' +
      "a Usetrace webhook reporter posts, plus the build's id, project and commit.",
  },
);

// --- Herald's own events ------------------------------------------------------------------------

export const HookDisabledData = Type.Object(
  {
    object: Type.Literal('hook', { description: 'Always "hook".' }),
    hookId: Type.String({ description: 'The hook that was disabled (hook_…).' }),
    name: Type.String({ description: 'Name of the hook.' }),
    url: Type.String({ format: 'uri', description: 'URL the hook was posting to.' }),
    reason: Type.String({ description: 'Why Herald disabled the hook.' }),
    disabledAt: UnixMs('When the hook was disabled, unix time in milliseconds.'),
  },
  { title: 'Hook', description: 'A hook that Herald disabled because its deliveries kept failing.' },
);

export const PingData = Type.Object(
  {
    object: Type.Literal('ping', { description: 'Always "ping".' }),
    hookId: Type.String({ description: 'The hook the test event was sent to (hook_…).' }),
    message: Type.String({ description: 'A human-readable note.' }),
  },
  { title: 'Ping', description: 'A test event, sent to one hook by "Send test event".' },
);

export type TenonApiResponse = Static<typeof TenonApiResponse>;
export type ApiLogData = Static<typeof ApiLogData>;
export type ProjectData = Static<typeof ProjectData>;
export type SiteData = Static<typeof SiteData>;
export type TestCase = Static<typeof TestCase>;
export type BuildData = Static<typeof BuildData>;
export type HookDisabledData = Static<typeof HookDisabledData>;
export type PingData = Static<typeof PingData>;

// --- the catalogue ---------------------------------------------------------------------------------

export interface EventType {
  /** `object.action`, or `ping`. */
  type: string;
  /** The object the event is about; also the name of its data schema in webhook.json `$defs`. */
  object: string;
  description: string;
  /** Schema of the envelope's `data`. */
  schema: TSchema;
  /** Whether API users may publish it through POST /api/events; false for events only Herald emits. */
  publishable: boolean;
}

const crud = (object: string, noun: string, schema: TSchema): EventType[] =>
  (['created', 'updated', 'deleted'] as const).map((action) => ({
    type: `${object}.${action}`,
    object,
    description: `A ${noun} was ${action}.`,
    schema,
    publishable: true,
  }));

export const EVENT_TYPES: EventType[] = [
  {
    type: 'apiLog.created',
    object: 'apiLog',
    description: 'A new test run occurred. Includes the full API response.',
    schema: ApiLogData,
    publishable: true,
  },
  ...crud('project', 'project', ProjectData),
  ...crud('site', 'site monitor', SiteData),
  {
    type: 'build.finished',
    object: 'build',
    description: 'A Usetrace build finished.',
    schema: BuildData,
    publishable: true,
  },
  {
    type: 'hook.disabled',
    object: 'hook',
    description: 'Herald disabled a hook because its deliveries kept failing. Only Herald emits it.',
    schema: HookDisabledData,
    publishable: false,
  },
  {
    type: 'ping',
    object: 'ping',
    description: 'A test event sent to one hook by "Send test event". Only Herald emits it.',
    schema: PingData,
    publishable: false,
  },
];

const byType = new Map(EVENT_TYPES.map((e) => [e.type, e]));

export function findEventType(type: string): EventType | undefined {
  return byType.get(type);
}

// --- envelope and API schemas -------------------------------------------------------------------

const EventID = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'Globally unique identifier for the event instance.',
});
const EventDateAdded = UnixMs('Unix time in milliseconds (GMT) when the event occurred.');

/** The envelope with `event` fixed to one type and `data` to its schema. */
export function buildEnvelopeSchema(eventType: EventType) {
  return Type.Object(
    {
      eventID: EventID,
      event: Type.Literal(eventType.type),
      dateAdded: EventDateAdded,
      data: eventType.schema,
    },
    { additionalProperties: false, description: eventType.description },
  );
}

/** Any envelope; `data` is only known to be an object. */
export const WebhookEnvelope = Type.Object(
  {
    eventID: EventID,
    event: Type.String({
      description:
        'Type of event: object.action (e.g. site.created), or "ping" for a test event. It decides the shape of data.',
    }),
    dateAdded: EventDateAdded,
    data: Type.Object(
      {},
      { description: 'Details of the object the event applies to; shape depends on event.' },
    ),
  },
  { additionalProperties: false },
);
export type WebhookEnvelope = Static<typeof WebhookEnvelope>;

export const EVENT_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9]*\\.[A-Za-z][A-Za-z0-9_]*$';

/** Body of POST /api/events. */
export const PublishEventBody = Type.Object(
  {
    event: Type.String({ pattern: EVENT_NAME_PATTERN, description: 'Event type, object.action.' }),
    data: Type.Object({}, { description: "The event's data; validated against the event type's schema." }),
    eventID: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Your unique id for the event; a UUID if omitted.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PublishEventBody = Static<typeof PublishEventBody>;

// --- validation ----------------------------------------------------------------------------------

export interface DataProblem {
  /** JSON pointer into the validated value ("" is the value itself). */
  path: string;
  message: string;
}
export type ValidationResult = { ok: true } | { ok: false; errors: DataProblem[] };

const validators = new Map<string, Validator>();

/** Compiled on first use, so importing the catalogue costs nothing. */
function validatorFor(key: string, schema: TSchema): Validator {
  let v = validators.get(key);
  if (!v) {
    v = Compile(schema);
    validators.set(key, v);
  }
  return v;
}

function run(v: Validator, value: unknown): ValidationResult {
  if (v.Check(value)) return { ok: true };
  const errors: DataProblem[] = [];
  for (const e of v.Errors(value)) {
    // Missing and unexpected properties are reported at the property, where a caller has to look.
    if (e.keyword === 'required') {
      for (const p of e.params.requiredProperties)
        errors.push({ path: `${e.instancePath}/${escapePointer(p)}`, message: 'is required' });
    } else if (e.keyword === 'additionalProperties') {
      for (const p of e.params.additionalProperties)
        errors.push({ path: `${e.instancePath}/${escapePointer(p)}`, message: 'is not allowed' });
    } else if (e.keyword !== 'boolean') {
      // `boolean` is the `false` schema behind additionalProperties, already reported above.
      errors.push({ path: e.instancePath, message: e.message });
    }
  }
  return { ok: false, errors };
}

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Validates an event's `data` with TypeBox; paths are relative to `data`. */
export function validateEventData(type: string, data: unknown): ValidationResult {
  const eventType = findEventType(type);
  if (!eventType) return { ok: false, errors: [{ path: '', message: `unknown event type "${type}"` }] };
  return run(validatorFor(type, eventType.schema), data);
}

/** Validates a whole payload as Herald would POST it; paths are relative to the envelope. */
export function validateEnvelope(body: unknown): ValidationResult {
  const base = run(validatorFor('envelope', WebhookEnvelope), body);
  if (!base.ok) return base;
  const { event, data } = body as WebhookEnvelope;
  const eventType = findEventType(event);
  if (!eventType)
    return { ok: false, errors: [{ path: '/event', message: `unknown event type "${event}"` }] };
  const result = validateEventData(event, data);
  if (result.ok) return result;
  return { ok: false, errors: result.errors.map((e) => ({ path: `/data${e.path}`, message: e.message })) };
}

// --- the published JSON Schema ----------------------------------------------------------------

export const WEBHOOK_SCHEMA_ID = 'https://herald.dev/schemas/webhook.json';

/** Schemas that get a `$defs` entry, by name; nested copies of them become `$ref`s. */
const DEFS: Array<[string, TSchema]> = [
  ...EVENT_TYPES.filter((e, i, all) => all.findIndex((o) => o.object === e.object) === i).map(
    (e): [string, TSchema] => [e.object, e.schema],
  ),
  ['testCase', TestCase],
  ['tenonApiResponse', TenonApiResponse],
  ['tenonIssue', TenonIssue],
];

const KEY_ORDER = ['$schema', '$id', '$ref', 'title', 'description', 'type', 'const', 'enum', 'format'];
const VALUE_KEYWORDS = new Set(['const', 'enum', 'examples', 'default']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Plain JSON (TypeBox markers are non-enumerable), keys in reading order, empty `required`/`properties` dropped. */
function toJson(schema: unknown, refs: Map<string, string>): Json {
  return tidy(JSON.parse(JSON.stringify(schema)) as Json, refs, true);
}

function tidy(node: Json, refs: Map<string, string>, isRoot: boolean): Json {
  if (Array.isArray(node)) return node.map((n) => tidy(n, refs, false));
  if (node === null || typeof node !== 'object') return node;
  const ref = isRoot ? undefined : refs.get(JSON.stringify(node));
  if (ref) return { $ref: ref };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b));
  const out: { [key: string]: Json } = {};
  for (const k of keys) {
    const v = node[k]!;
    if (k === 'required' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'properties' && typeof v === 'object' && v !== null && Object.keys(v).length === 0) continue;
    if (VALUE_KEYWORDS.has(k)) out[k] = v;
    else if (k === 'properties' || k === '$defs') out[k] = mapValues(v, (s) => tidy(s, refs, false));
    else out[k] = tidy(v, refs, false);
  }
  return out;
}

function rank(key: string): number {
  const i = KEY_ORDER.indexOf(key);
  return i === -1 ? KEY_ORDER.length : i;
}

function mapValues(v: Json, f: (s: Json) => Json): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, s]) => [k, f(s)]));
}

const SEED_EXAMPLE = {
  eventID: 'eb14b5be-2520-43e1-8398-0c40a7caeca9',
  event: 'site.created',
  dateAdded: 1480977198796,
  data: {
    object: 'site',
    name: 'My Example Site',
    siteKey: '11jyv9d1NEnY',
    projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
    siteUrl: 'http://www.example.com',
  },
};

/**
 * One JSON Schema (2020-12) for every payload Herald POSTs: the closed envelope, and a `oneOf`
 * with one branch per event type that ties `event` (a const) to its `data` schema in `$defs`.
 */
export function buildWebhookJsonSchema(): Record<string, Json> {
  // Keyed by the raw JSON of each def, which is what tidy() compares nested nodes against.
  const refs = new Map(DEFS.map(([name, s]) => [JSON.stringify(s), `#/$defs/${name}`]));
  const envelope = toJson(WebhookEnvelope, refs) as { [key: string]: Json };
  const eventProperty = (envelope.properties as { [key: string]: { [key: string]: Json } }).event!;
  eventProperty.enum = EVENT_TYPES.map((e) => e.type);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: WEBHOOK_SCHEMA_ID,
    title: 'Herald webhook payload',
    description:
      'The JSON body Herald POSTs to a hook. eventID identifies the event instance, event says what ' +
      'happened as object.action (site.created), dateAdded is when, and data holds the object the ' +
      'event applies to; its shape depends on event. Receivers should ignore fields they do not know.',
    ...envelope,
    oneOf: EVENT_TYPES.map((e) => ({
      title: e.type,
      description: e.description,
      type: 'object',
      properties: { event: { const: e.type }, data: { $ref: `#/$defs/${e.object}` } },
    })),
    examples: [SEED_EXAMPLE],
    $defs: Object.fromEntries(DEFS.map(([name, s]) => [name, toJson(s, refs)])),
  };
}
