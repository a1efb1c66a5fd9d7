import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import Compile from 'typebox/compile';
import {
  EVENT_TYPES,
  PublishEventBody,
  findEventType,
  validateEnvelope,
  validateEventData,
} from '../../src/domain/event-types.ts';
import { renderWebhookSchema, SCHEMA_PATH } from '../../scripts/write-schema.ts';
import { WEBHOOK_SCHEMA_ID, buildWebhookJsonSchema } from '../../scripts/webhook-schema.ts';
import { assertValidWebhook, webhookValidator } from '../helpers/webhook-schema.ts';

// --- fixtures: the seed's examples, verbatim (checked against the seed text below when present) ---

const SEED_API_LOG = {
  object: 'apiLog',
  responseID: '3b5cd94abefb1ad78a34c36c1dfbbddb',
  dateAdded: 1480977198796,
  status: '200',
  message: 'Success',
  reqLevel: 'AAA',
  reqCertainty: 0,
  reqPriority: 0,
  docID: 'AA1E7671-2DA5-EA5D-2C84-600DFF10967F',
  documentSize: 41093,
  sourceHash: '96e3e105ef2a286bbec954005deed619',
  errorDensity: 30,
  warningDensity: 0,
  allDensity: 30,
  errors: 12,
  warnings: 0,
  url: 'https://www.example.com',
  fragment: 0,
  store: 1,
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  viewPortWidth: 1024,
  viewPortHeight: 768,
  uaString:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36',
  startTime: 1480977198796,
  endTime: 1480977302258,
  true_http_code: 200,
  delay: 2000,
  issuesByLevelA: 11,
  issuesByLevelAA: 1,
  issuesByLevelAAA: 9,
  testsFailing: 5,
  testsPassing: 57,
  pageTitle: 'Example',
  fullResponse: {},
};

const SEED_PROJECT = {
  object: 'project',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  name: 'Awesome Project',
  description: 'Project to do testing of my awesome website',
  dateAdded: 1480977198796,
  lastmod: 1480977198796,
  defaultItem: 1,
  apiDefaultCertainty: 0,
  apiDefaultLevel: 'AAA',
  apiDefaultPriority: 0,
  apiDefaultStore: 1,
  apiDefaultUAString:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36',
  apiDefaultViewportHeight: 768,
  apiDefaultViewportWidth: 1024,
};

const SEED_SITE = {
  object: 'site',
  name: 'My Example Site',
  siteKey: '11jyv9d1NEnY',
  projectID: 'cc5ec01f-14d6-4d9b-8229-9fe17b618f1e',
  siteUrl: 'http://www.example.com',
};

const SEED_FULL_EXAMPLE = {
  eventID: 'eb14b5be-2520-43e1-8398-0c40a7caeca9',
  event: 'site.created',
  dateAdded: 1480977198796,
  data: SEED_SITE,
};

const timeout = (trace: string, result: string) => ({
  type: 'error',
  message:
    'Timeout opening the email client\n\nDetails: http://team.qa.usetrace.com/editor/#trace/X9eCbhujPABldBzEv7E3iTzh07BweZgi/result/' +
    `${result}\nScreenshot: http://team.qa.usetrace.com/screen/X9eCbBujPABldBzDEUdS_fVhlzJwTJHO/${trace}/${result}/full.png`,
});

/** The Usetrace article's example payload: older, without browserName/traceName/tagged*. */
const SEED_BUILD_REPORT = {
  name: 'Environment: http://testsite.usetrace.com/',
  tests: 4,
  traces: 2,
  expectedTracesToPass: 2,
  tracesPassed: 1,
  errors: 1,
  failures: 1,
  skip: 0,
  bugs: 0,
  bugsPassing: 0,
  buildStable: false,
  testCase: [
    {
      className: 'Usetrace.trace',
      name: 'chrome: Trace 1',
      time: 61.755,
      error: timeout('YiiqRftfHwAZzmfklw7vDvc7AXmDz-2a', 'YiiqRftfHwAZzmfmzb8mSFJfPYSdicaB'),
    },
    { className: 'Usetrace.trace', name: 'chrome: Trace 2', time: 0.289, error: null },
    {
      className: 'Usetrace.trace',
      name: 'firefox: Trace 1',
      time: 62.051,
      error: timeout('YiiqRftfHwAZzmfklw7vDvc7AXmDz-2a', 'YiiqRftfHwAZzmfnjQ2MD01pAp1_QEyi'),
    },
    { className: 'Usetrace.trace', name: 'firefox: Trace 2', time: 0.37, error: null },
  ],
};

const usetraceCase = (browser: string, trace: string, time: number, taggedFlaky: boolean) => ({
  className: 'Usetrace.trace',
  name: `${browser}: ${trace}`,
  time,
  error: null,
  browserName: browser,
  traceName: ` ${trace}`,
  taggedBug: false,
  taggedFlaky,
});

/** shared/reference/usetrace-build-results-*.json */
const REFERENCE_BUILD_REPORTS: Record<string, object> = {
  'usetrace-build-results-one-browser.json': {
    name: 'Environment: http://testsite.usetrace.com/',
    tests: 1,
    traces: 1,
    expectedTracesToPass: 1,
    tracesPassed: 1,
    errors: 0,
    failures: 0,
    skip: 0,
    bugs: 0,
    bugsPassing: 0,
    buildStable: true,
    testCase: [usetraceCase('chrome', 'Trace 3', 2.644, false)],
  },
  'usetrace-build-results-two-browsers.json': {
    name: 'Environment: https://www.wikipedia.org/',
    tests: 2,
    traces: 1,
    expectedTracesToPass: 0,
    tracesPassed: 1,
    errors: 0,
    failures: 0,
    skip: 0,
    bugs: 0,
    bugsPassing: 0,
    buildStable: true,
    testCase: [
      usetraceCase('chrome', 'Test Wikipedia in Spanish', 1.192, true),
      usetraceCase('firefox', 'Test Wikipedia in Spanish', 1.74, true),
    ],
  },
};

/** shared/reference/tenon-test-api-response-2016.json, a full Tenon API response. */
const TENON_RESPONSE = {
  apiErrors: [],
  documentSize: 1256,
  globalStats: { errorDensity: '63', warningDensity: '3', allDensity: '66', stdDev: '212' },
  message: 'success',
  request: {
    url: 'http://www.example.com',
    certainty: 0,
    priority: 0,
    level: 'AAA',
    uaString:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.114 Safari/537.36',
    store: 0,
    ref: '1',
    importance: '1',
    responseID: 'f10345ce04797917a9d625e696c9bf63',
    userID: '1',
    projectID: 'DEFAULT_PROJECT',
    docID: '5A71B1D7-C2AC-ECBB-045F-12140D839494',
    waitFor: null,
    fragment: 0,
    viewport: { height: 600, width: 800 },
  },
  responseExecTime: '0.23',
  responseTime: '2016-10-12T03:17:07+0000',
  resultSet: [
    {
      bpID: 118,
      certainty: 100,
      errorDescription:
        "The language of the document has not been set. Set the document's language by adding the `lang` attribute to the `<html>` element using a ISO 639-1 language code.",
      errorSnippet:
        '<html><head>\n <title>Example Domain</title>\n\n <meta charset="utf-8">\n <meta http-equiv="Content-type" content="text/html; charset=utf-8">\n <meta name="viewport" content="width=device-width, initial-scale',
      errorTitle: 'The language of this page is not set.',
      issueID: 'b74639723cf4dd0361cf5b34ceba43bb',
      position: { column: 1, line: 1 },
      priority: 77,
      ref: 'https://tenon.io/bestpractice.php?bpID=118&tID=3',
      resultTitle: "Identify the page's language.",
      signature: '3cc1161591cd0a1f606898e98ddeb0d6',
      standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 3.1.1 Language of Page'],
      tID: 3,
      viewPortLocation: {
        'bottom-right': { x: 800, y: 449 },
        height: 449,
        'top-left': { x: 0, y: 0 },
        width: 800,
      },
      xpath: '/html',
    },
  ],
  resultSummary: {
    density: { allDensity: 82, errorDensity: 82, warningDensity: 0 },
    issues: { totalErrors: 1, totalIssues: 1, totalWarnings: 0 },
    issuesByLevel: { A: { count: 1, pct: 100 }, AA: { count: 0, pct: 0 }, AAA: { count: 0, pct: 0 } },
    tests: { failing: 1, passing: 73, total: 74 },
  },
  sourceHash: '00a4398b135f76a313a4a9fe81b52b54',
  status: 200,
  urlHttpCode: 200,
  clientScriptErrors: [],
  code: 'success',
  moreInfo: 'https://tenon.io/documentation/understanding-response-codes.php#success',
};

const BUILD_FIELDS = {
  buildId: 'YiiqRftfHwAZzmfklw7vDvc7AXmDz-2a',
  projectID: 'X9eCbBujPABldBzDEUdS_fVhlzJwTJHO',
  commit: 'abc123',
  commitLink: 'https://gitgit.git/git/abc123',
};
const NO_COMMIT = { ...BUILD_FIELDS, commit: null, commitLink: null };

const HOOK_DISABLED = {
  object: 'hook',
  hookId: 'hook_01j9z3k4m5n6p7q8r9s0t1v2w3',
  name: 'CI log',
  url: 'https://receiver.example.com/tenon',
  reason: 'deliveries failed for 5 days',
  disabledAt: 1480977198796,
};
const PING = { object: 'ping', hookId: 'hook_01j9z3k4m5n6p7q8r9s0t1v2w3', message: 'Test event from Herald' };

let seq = 0;
const envelope = (event: string, data: unknown) => ({
  eventID: `eb14b5be-2520-43e1-8398-${String(++seq).padStart(12, '0')}`,
  event,
  dateAdded: 1480977198796,
  data,
});

const VALID: Array<[string, unknown]> = [
  ['seed Full Example (site.created)', SEED_FULL_EXAMPLE],
  ['seed apiLog example', envelope('apiLog.created', SEED_API_LOG)],
  [
    'seed apiLog with the reference Tenon response',
    envelope('apiLog.created', { ...SEED_API_LOG, fullResponse: TENON_RESPONSE }),
  ],
  ...(['created', 'updated', 'deleted'] as const).flatMap((action): Array<[string, unknown]> => [
    [`seed project example (project.${action})`, envelope(`project.${action}`, SEED_PROJECT)],
    [`seed site example (site.${action})`, envelope(`site.${action}`, SEED_SITE)],
  ]),
  [
    'seed project with Herald baseUrl',
    envelope('project.updated', { ...SEED_PROJECT, baseUrl: 'https://example.com' }),
  ],
  ['seed Usetrace build report', envelope('build.finished', { ...SEED_BUILD_REPORT, ...BUILD_FIELDS })],
  [
    'seed Usetrace build report, no commit',
    envelope('build.finished', { ...SEED_BUILD_REPORT, ...NO_COMMIT }),
  ],
  ...Object.entries(REFERENCE_BUILD_REPORTS).map(([file, report]): [string, unknown] => [
    `reference ${file}`,
    envelope('build.finished', { ...report, ...BUILD_FIELDS }),
  ]),
  ['hook.disabled', envelope('hook.disabled', HOOK_DISABLED)],
  ['ping', envelope('ping', PING)],
  [
    'unknown data fields are tolerated',
    envelope('site.deleted', { ...SEED_SITE, archived: true, tags: ['x'] }),
  ],
];

const withCase = (patch: Record<string, unknown>, drop?: string) => {
  const testCase: Record<string, unknown> = { ...SEED_BUILD_REPORT.testCase[0], ...patch };
  if (drop) delete testCase[drop];
  return envelope('build.finished', { ...SEED_BUILD_REPORT, ...BUILD_FIELDS, testCase: [testCase] });
};
const without = <T extends object>(o: T, key: keyof T) => {
  const copy = { ...o };
  delete copy[key];
  return copy;
};
const build = { ...SEED_BUILD_REPORT, ...BUILD_FIELDS };

/** [name, body, a path validateEnvelope must report]. */
const INVALID: Array<[string, unknown, string]> = [
  ['site.created carrying project data', envelope('site.created', SEED_PROJECT), '/data/siteKey'],
  ['project.created carrying site data', envelope('project.created', SEED_SITE), '/data/object'],
  ['build.finished carrying a site', envelope('build.finished', SEED_SITE), '/data/testCase'],
  [
    'data.object names another object',
    envelope('site.created', { ...SEED_SITE, object: 'apiLog' }),
    '/data/object',
  ],
  ['missing eventID', without(SEED_FULL_EXAMPLE, 'eventID'), '/eventID'],
  ['empty eventID', { ...SEED_FULL_EXAMPLE, eventID: '' }, '/eventID'],
  ['eventID over 200 chars', { ...SEED_FULL_EXAMPLE, eventID: 'x'.repeat(201) }, '/eventID'],
  ['dateAdded as a string', { ...SEED_FULL_EXAMPLE, dateAdded: '1480977198796' }, '/dateAdded'],
  ['dateAdded in fractional seconds', { ...SEED_FULL_EXAMPLE, dateAdded: 1480977198.796 }, '/dateAdded'],
  ['missing data', without(SEED_FULL_EXAMPLE, 'data'), '/data'],
  ['data is an array', { ...SEED_FULL_EXAMPLE, data: [SEED_SITE] }, '/data'],
  ['unknown event type', { ...SEED_FULL_EXAMPLE, event: 'site.exploded' }, '/event'],
  ['extra envelope field', { ...SEED_FULL_EXAMPLE, hookId: 'hook_1' }, '/hookId'],
  ['body is null', null, ''],
  ['build testCase missing className', withCase({}, 'className'), '/data/testCase/0/className'],
  ['build testCase time as a string', withCase({ time: '61.755' }), '/data/testCase/0/time'],
  ['build testCase error without message', withCase({ error: { type: 'error' } }), '/data/testCase/0/error'],
  [
    'build testCase taggedFlaky as a string',
    withCase({ taggedFlaky: 'true' }),
    '/data/testCase/0/taggedFlaky',
  ],
  ['build tests negative', envelope('build.finished', { ...build, tests: -1 }), '/data/tests'],
  [
    'build buildStable as a string',
    envelope('build.finished', { ...build, buildStable: 'false' }),
    '/data/buildStable',
  ],
  ['build without commit', envelope('build.finished', without(build, 'commit')), '/data/commit'],
  ['build projectID as a number', envelope('build.finished', { ...build, projectID: 42 }), '/data/projectID'],
  ['apiLog status as a number', envelope('apiLog.created', { ...SEED_API_LOG, status: 200 }), '/data/status'],
  [
    'apiLog reqLevel AAAA',
    envelope('apiLog.created', { ...SEED_API_LOG, reqLevel: 'AAAA' }),
    '/data/reqLevel',
  ],
  ['apiLog store 2', envelope('apiLog.created', { ...SEED_API_LOG, store: 2 }), '/data/store'],
  [
    'apiLog without fullResponse',
    envelope('apiLog.created', without(SEED_API_LOG, 'fullResponse')),
    '/data/fullResponse',
  ],
  [
    'apiLog fullResponse status as a string',
    envelope('apiLog.created', { ...SEED_API_LOG, fullResponse: { ...TENON_RESPONSE, status: '200' } }),
    '/data/fullResponse/status',
  ],
  [
    'project projectID as a number',
    envelope('project.created', { ...SEED_PROJECT, projectID: 7 }),
    '/data/projectID',
  ],
  [
    'project baseUrl as a number',
    envelope('project.created', { ...SEED_PROJECT, baseUrl: 1 }),
    '/data/baseUrl',
  ],
  [
    'project dateAdded as a string',
    envelope('project.created', { ...SEED_PROJECT, dateAdded: 'x' }),
    '/data/dateAdded',
  ],
  ['site missing siteUrl', envelope('site.created', without(SEED_SITE, 'siteUrl')), '/data/siteUrl'],
  [
    'hook.disabled url is not a URI',
    envelope('hook.disabled', { ...HOOK_DISABLED, url: 'not a url' }),
    '/data/url',
  ],
  ['ping missing hookId', envelope('ping', without(PING, 'hookId')), '/data/hookId'],
];

// --- tests ------------------------------------------------------------------------------------------

describe('schemas/webhook.json', () => {
  test('the committed file is exactly what scripts/write-schema.ts generates', async () => {
    const committed = readFileSync(SCHEMA_PATH, 'utf8');
    assert.equal(committed, await renderWebhookSchema(), 'stale: run `node scripts/write-schema.ts`');
    assert.deepEqual(JSON.parse(committed), buildWebhookJsonSchema());
    assert.ok(committed.endsWith('}\n'));
  });

  test('is a valid 2020-12 schema that strict ajv compiles', () => {
    const schema = buildWebhookJsonSchema();
    const ajv = new Ajv2020({ strict: true });
    formats.default(ajv);
    assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
    assert.doesNotThrow(() => ajv.compile(schema));
    assert.equal(schema.$id, WEBHOOK_SCHEMA_ID);
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  test('has one oneOf branch per catalogue entry, tying event to its $defs data schema', () => {
    const schema = buildWebhookJsonSchema() as {
      oneOf: Array<{ properties: { event: { const: string }; data: { $ref: string } } }>;
      $defs: Record<string, unknown>;
    };
    const branches = schema.oneOf.map((b) => [b.properties.event.const, b.properties.data.$ref]);
    assert.deepEqual(
      branches,
      EVENT_TYPES.map((e) => [e.type, `#/$defs/${e.object}`]),
    );
    for (const name of ['apiLog', 'project', 'site', 'issue', 'build', 'testCase', 'hook', 'ping'])
      assert.ok(schema.$defs[name], `$defs.${name}`);
  });

  for (const [name, body] of VALID)
    test(`accepts ${name}`, () => {
      assertValidWebhook(body);
      assertValidWebhook(JSON.stringify(body));
    });

  for (const [name, body] of INVALID)
    test(`rejects ${name}`, () => {
      assert.throws(() => assertValidWebhook(body), /invalid webhook payload/);
    });
});

describe('TypeBox validation agrees with the published schema', () => {
  const { validate, dataValidators } = webhookValidator();

  for (const [name, body, path] of [...VALID.map(([n, b]) => [n, b, null] as const), ...INVALID])
    test(`${path === null ? 'accepts' : 'rejects'} ${name}`, () => {
      const typebox = validateEnvelope(body);
      assert.equal(typebox.ok, validate(body), 'validateEnvelope and ajv disagree');
      assert.equal(typebox.ok, path === null);
      if (!typebox.ok && path !== null)
        assert.ok(
          typebox.errors.some((e) => e.path === path),
          `expected an error at ${path}: ${JSON.stringify(typebox.errors)}`,
        );
      const { event, data } = (body ?? {}) as { event?: string; data?: unknown };
      const ajvData = event === undefined ? undefined : dataValidators.get(event);
      if (ajvData)
        assert.equal(validateEventData(event!, data).ok, ajvData(data), 'validateEventData and ajv disagree');
    });

  test('validateEventData reports paths relative to data', () => {
    const result = validateEventData('build.finished', withCase({}, 'className').data);
    assert.deepEqual(result, {
      ok: false,
      errors: [{ path: '/testCase/0/className', message: 'is required' }],
    });
  });

  test('validateEventData refuses an unknown event type', () => {
    const result = validateEventData('site.exploded', SEED_SITE);
    assert.equal(result.ok, false);
  });
});

describe('event catalogue', () => {
  test('lists every object.action Herald sends, and only Herald emits issue.*, ping and hook.disabled', () => {
    assert.deepEqual(
      EVENT_TYPES.map((e) => [e.type, e.object, e.publishable]),
      [
        ['apiLog.created', 'apiLog', true],
        ['project.created', 'project', true],
        ['project.updated', 'project', true],
        ['project.deleted', 'project', true],
        ['site.created', 'site', true],
        ['site.updated', 'site', true],
        ['site.deleted', 'site', true],
        ['issue.created', 'issue', false],
        ['issue.updated', 'issue', false],
        ['issue.deleted', 'issue', false],
        ['build.finished', 'build', true],
        ['hook.disabled', 'hook', false],
        ['ping', 'ping', false],
      ],
    );
    assert.equal(findEventType('site.created')?.object, 'site');
    assert.equal(findEventType('site.exploded'), undefined);
  });

  test('PublishEventBody accepts object.action events and refuses malformed bodies', () => {
    const body = Compile(PublishEventBody);
    assert.ok(body.Check({ event: 'site.created', data: {} }));
    assert.ok(body.Check({ event: 'site.created', data: SEED_SITE, eventID: 'my-id' }));
    assert.ok(body.Check({ event: 'x1.snake_case', data: {} }));
    for (const bad of [
      { event: 'ping', data: {} },
      { event: 'site.created.twice', data: {} },
      { event: '1site.created', data: {} },
      { event: 'site.created', data: [] },
      { event: 'site.created' },
      { event: 'site.created', data: {}, eventID: '' },
      { event: 'site.created', data: {}, eventID: 'x'.repeat(201) },
      { event: 'site.created', data: {}, extra: 1 },
    ])
      assert.equal(body.Check(bad), false, JSON.stringify(bad));
  });
});

// --- the fixtures above are the seed's and the reference files', when those are at hand -----------

const SHARED = '/work/shared';

/** Top-level `{…}` blocks of a text, with `//` comments (outside strings) removed. */
function jsonBlocks(text: string): unknown[] {
  const blocks: unknown[] = [];
  let depth = 0;
  let inString = false;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (depth === 0 && c !== '{') continue;
    if (!inString && c === '/' && text[i + 1] === '/') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    out += c;
    if (inString) {
      if (c === '\\') out += text[++i]!;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      blocks.push(JSON.parse(out));
      out = '';
    }
  }
  return blocks;
}

describe('fixtures match the sources', { skip: !existsSync(SHARED) && `${SHARED} is not available` }, () => {
  test('Tenon seed examples', () => {
    const blocks = jsonBlocks(readFileSync(`${SHARED}/seeds/tenon-web-hooks.txt`, 'utf8'));
    assert.deepEqual(blocks, [SEED_API_LOG, SEED_PROJECT, SEED_SITE, SEED_FULL_EXAMPLE]);
  });

  test('Usetrace seed example payload response', () => {
    const blocks = jsonBlocks(readFileSync(`${SHARED}/seeds/usetrace-webhook-reporters.txt`, 'utf8'));
    assert.deepEqual(blocks.at(-1), SEED_BUILD_REPORT);
  });

  test('reference build results and Tenon response', () => {
    for (const [file, report] of Object.entries(REFERENCE_BUILD_REPORTS))
      assert.deepEqual(JSON.parse(readFileSync(`${SHARED}/reference/${file}`, 'utf8')), report, file);
    const tenon: unknown = JSON.parse(
      readFileSync(`${SHARED}/reference/tenon-test-api-response-2016.json`, 'utf8'),
    );
    assert.deepEqual(tenon, TENON_RESPONSE);
  });
});
