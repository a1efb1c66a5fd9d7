import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  buildTraceJsonSchema,
  parseSteps,
  placeholdersOf,
  substitute,
  type Step,
} from '../../src/domain/steps.ts';
import { renderTraceSchema, TRACE_SCHEMA_PATH } from './helpers/trace-schema.ts';
import { ERRORING, FAILING, PASSING } from './helpers/builds.ts';

describe('trace steps', () => {
  test('every action with its fields parses', () => {
    const steps = [
      { action: 'open', url: '/login' },
      { action: 'open', url: 'https://example.com/x' },
      { action: 'click', selector: '#go' },
      { action: 'type', selector: 'input[name=q]', text: '' },
      { action: 'waitFor', selector: '.done' },
      { action: 'waitFor', selector: '.done', timeoutMs: 2500 },
      { action: 'assertText', selector: 'h1', text: 'Hello' },
      { action: 'assertTitle', text: 'Home' },
      { action: 'assertUrl', contains: '/home' },
    ];
    assert.deepEqual(parseSteps(steps), { ok: true, steps });
  });

  const bad: Array<[string, unknown, RegExp, string]> = [
    ['not a list', { action: 'open' }, /steps must be an array/, '/steps'],
    ['no steps', [], /at least one step/, '/steps'],
    ['a step that is not an object', ['open /'], /^step 1: must be an object/, '/steps/0'],
    ['no action', [{ url: '/' }], /^step 1 \(\? "\/"\): action is required/, '/steps/0/action'],
    [
      'an unknown action',
      [{ action: 'hover', selector: 'a' }],
      /^step 1 \(hover "a"\): unknown action "hover": use one of open, click/,
      '/steps/0/action',
    ],
    [
      'a missing field',
      [{ action: 'open', url: '/' }, { action: 'click' }],
      /^step 2 \(click\): selector is required/,
      '/steps/1/selector',
    ],
    [
      'an unknown field',
      [{ action: 'click', selector: 'a', text: 'x' }],
      /^step 1 \(click "a"\): text is not a field of click/,
      '/steps/0/text',
    ],
    [
      'a wrong type',
      [{ action: 'waitFor', selector: 'a', timeoutMs: '5s' }],
      /^step 1 \(waitFor "a"\): timeoutMs /,
      '/steps/0/timeoutMs',
    ],
    [
      'an empty selector',
      [{ action: 'click', selector: '' }],
      /^step 1 \(click ""\): selector /,
      '/steps/0/selector',
    ],
    [
      'a javascript: URL',
      [{ action: 'open', url: 'javascript:alert(1)' }],
      /must be a path or an absolute http\(s\) URL/,
      '/steps/0/url',
    ],
    [
      'a file: URL',
      [{ action: 'open', url: 'file:///etc/passwd' }],
      /must be a path or an absolute http\(s\) URL/,
      '/steps/0/url',
    ],
    [
      'an empty assertUrl',
      [{ action: 'assertUrl', contains: '' }],
      /^step 1 \(assertUrl ""\): contains /,
      '/steps/0/contains',
    ],
  ];
  for (const [what, input, message, path] of bad) {
    test(`a trace is refused with a message naming the step: ${what}`, () => {
      const result = parseSteps(input);
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.match(result.message, message);
      assert.equal(result.errors[0]?.path, path);
    });
  }

  test('every bad step is reported, not only the first', () => {
    const result = parseSteps([{ action: 'click' }, { action: 'open', url: '/' }, { action: 'nope' }]);
    assert.equal(result.ok, false);
    if (!result.ok)
      assert.deepEqual(
        result.errors.map((e) => e.path),
        ['/steps/0/selector', '/steps/2/action'],
      );
  });

  test('${name} is replaced in every string of a step from the build parameters', () => {
    const step: Step = { action: 'type', selector: '#${field}', text: '${user}:${user} ${pass}' };
    assert.deepEqual(placeholdersOf(step).sort(), ['field', 'pass', 'user']);
    assert.deepEqual(substitute(step, { field: 'login', user: 'arto', pass: 'p$1' }), {
      ok: true,
      step: { action: 'type', selector: '#login', text: 'arto:arto p$1' },
    });
    assert.deepEqual(substitute(step, { field: 'x', user: 'y' }), { ok: false, missing: 'pass' });
    // A lone $ or an unclosed ${ is text.
    const plain: Step = { action: 'assertText', selector: 'p', text: 'costs $5 or ${' };
    assert.deepEqual(substitute(plain, {}), { ok: true, step: plain });
  });

  test('schemas/trace.json is the committed output of the step schemas', async () => {
    const committed = readFileSync(TRACE_SCHEMA_PATH, 'utf8');
    assert.equal(committed, await renderTraceSchema(), 'run: node test/builds/helpers/trace-schema.ts');
    assert.deepEqual(JSON.parse(committed), buildTraceJsonSchema());
  });

  test('the trace JSON Schema accepts its example and the test traces, and agrees with the parser', () => {
    const schema = buildTraceJsonSchema();
    const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);
    for (const trace of [...(schema.examples as object[]), PASSING, FAILING, ERRORING])
      assert.ok(validate(trace), JSON.stringify(validate.errors));
    for (const [, input] of bad) {
      const parsed = parseSteps(input);
      const schemaOk = validate({ name: 'x', steps: input });
      // The parser refuses URLs the schema cannot describe (javascript:, file:); nothing else differs.
      if (!schemaOk) assert.equal(parsed.ok, false);
    }
  });
});
