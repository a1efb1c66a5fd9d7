import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The event catalogue: what Herald POSTs to subscribers, as TypeBox schemas. The envelope is
 * the Tenon web hook envelope `{eventID, event, dateAdded, data}`; `data` depends on the event.
 *
 * Data schemas require the fields the source documents show and allow any others, because
 * receivers must tolerate new fields. Only the envelope itself is closed: Herald sends exactly
 * those four keys. The catalogue (event-types.ts) names them; scripts/webhook-schema.ts turns
 * them into the published `schemas/webhook.json`.
 */

export const UnixMs = (description: string) => Type.Integer({ minimum: 0, description });
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
    lastSlot: Type.Optional(
      Type.Object(
        {
          slot: Type.Integer({ description: 'The slot number (floor(time / interval)).' }),
          status: Type.Literal('failed', { description: 'Always "failed".' }),
          error: Type.String({
            description: 'Why, e.g. "sign-in failed: the sign-in form is still shown …".',
          }),
          finishedAt: UnixMs('When the slot failed, unix time in milliseconds.'),
        },
        {
          description:
            'Added by Herald to site.updated when a slot of the monitor fails before testing its pages (its sign-in or crawl failed): which slot, and why.',
        },
      ),
    ),
  },
  {
    title: 'Site monitor',
    description: 'A site monitor. Announced when a site monitor is created, updated or deleted.',
  },
);

// --- issue: an accessibility issue a site monitor tracks across slots ---------------------

export const IssueData = Type.Object(
  {
    issueID: Type.String({
      description: 'Fingerprint of the rule, the page and the element: stable across slots.',
    }),
    siteKey: Type.String({ description: 'The site monitor that found it.' }),
    projectID: Type.String({ description: 'Project the site monitor belongs to.' }),
    url: Type.String({ description: 'The page it is on.' }),
    tID: Type.Integer({ description: 'Tenon test ID of the rule.' }),
    errorTitle: Type.String({ description: 'Short title of the issue.' }),
    standards: Type.Array(Type.String(), { description: 'Standards the issue relates to.' }),
    xpath: Type.String({ description: 'XPath of the offending element.' }),
    firstSeen: UnixMs('When a slot first found it (Unix ms).'),
    lastSeen: UnixMs('When a slot last found it (Unix ms).'),
    status: Type.Enum(['open', 'fixed', 'accepted'], {
      type: 'string',
      description:
        'open: found and not accepted; accepted: found, accepted (baseline); fixed: a complete slot no longer finds it.',
    }),
  },
  {
    title: 'Issue',
    description:
      'An issue a site monitor tracks across slots. created: first found (or found again after a fix); deleted: fixed; updated: accepted or reopened.',
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
export type IssueData = Static<typeof IssueData>;
export type TestCase = Static<typeof TestCase>;
export type BuildData = Static<typeof BuildData>;
export type HookDisabledData = Static<typeof HookDisabledData>;
export type PingData = Static<typeof PingData>;
