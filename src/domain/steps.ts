/**
 * The trace format: a browser test written as JSON steps, `{"action": "click", "selector": "#go"}`.
 * One TypeBox schema per action drives three things: validation when a trace is saved (a bad
 * step is refused with 400 naming it), the TypeScript types the runner executes, and the
 * published JSON Schema `schemas/trace.json`.
 */
import Type from 'typebox';
import type { Static, TSchema } from 'typebox';
import Compile from 'typebox/compile';
import type { Validator } from 'typebox/compile';

const Selector = Type.String({
  minLength: 1,
  maxLength: 1000,
  description: 'CSS selector of the element; the first match is used.',
});

export const OpenStep = Type.Object(
  {
    action: Type.Literal('open'),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Page to open, relative to the build\'s baseUrl ("/login") or absolute (http or https).',
    }),
  },
  { additionalProperties: false, title: 'open', description: 'Opens a page and waits for it to load.' },
);

export const ClickStep = Type.Object(
  { action: Type.Literal('click'), selector: Selector },
  {
    additionalProperties: false,
    title: 'click',
    description: 'Waits for the element to be visible, then clicks it.',
  },
);

export const TypeStep = Type.Object(
  {
    action: Type.Literal('type'),
    selector: Selector,
    text: Type.String({ maxLength: 10_000, description: "Text that replaces the field's value." }),
  },
  {
    additionalProperties: false,
    title: 'type',
    description: 'Waits for the field to be visible, then types the text into it (replacing its value).',
  },
);

export const WaitForStep = Type.Object(
  {
    action: Type.Literal('waitFor'),
    selector: Selector,
    timeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 600_000,
        description: 'How long to wait; default the step timeout (HERALD_BUILD_STEP_TIMEOUT_MS).',
      }),
    ),
  },
  { additionalProperties: false, title: 'waitFor', description: 'Waits until the element is visible.' },
);

export const AssertTextStep = Type.Object(
  {
    action: Type.Literal('assertText'),
    selector: Selector,
    text: Type.String({ minLength: 1, maxLength: 10_000, description: 'Text the element must contain.' }),
  },
  {
    additionalProperties: false,
    title: 'assertText',
    description: "Passes when the element's visible text contains the text.",
  },
);

export const AssertTitleStep = Type.Object(
  {
    action: Type.Literal('assertTitle'),
    text: Type.String({ maxLength: 10_000, description: 'The expected title, exactly (ends trimmed).' }),
  },
  {
    additionalProperties: false,
    title: 'assertTitle',
    description: "Passes when the page's title is the text.",
  },
);

export const AssertUrlStep = Type.Object(
  {
    action: Type.Literal('assertUrl'),
    contains: Type.String({ minLength: 1, maxLength: 2048, description: 'Text the URL must contain.' }),
  },
  {
    additionalProperties: false,
    title: 'assertUrl',
    description: "Passes when the page's current URL contains the text.",
  },
);

/** Every action, in the order the documentation lists them. */
export const STEP_SCHEMAS = {
  open: OpenStep,
  click: ClickStep,
  type: TypeStep,
  waitFor: WaitForStep,
  assertText: AssertTextStep,
  assertTitle: AssertTitleStep,
  assertUrl: AssertUrlStep,
} as const;

export type StepAction = keyof typeof STEP_SCHEMAS;
export const STEP_ACTIONS = Object.keys(STEP_SCHEMAS) as StepAction[];
export type Step =
  | Static<typeof OpenStep>
  | Static<typeof ClickStep>
  | Static<typeof TypeStep>
  | Static<typeof WaitForStep>
  | Static<typeof AssertTextStep>
  | Static<typeof AssertTitleStep>
  | Static<typeof AssertUrlStep>;

/** The assertions: when one does not hold the test case is a `failure`, anything else is an `error`. */
export const ASSERTIONS: ReadonlySet<StepAction> = new Set(['assertText', 'assertTitle', 'assertUrl']);

export const MAX_STEPS = 500;

export interface StepProblem {
  /** JSON Pointer relative to the trace body, e.g. `/steps/2/selector`. */
  path: string;
  message: string;
}

export type ParseResult = { ok: true; steps: Step[] } | { ok: false; message: string; errors: StepProblem[] };

const validators = new Map<StepAction, Validator>();
function validatorFor(action: StepAction): Validator {
  let v = validators.get(action);
  if (!v) {
    v = Compile(STEP_SCHEMAS[action] as TSchema);
    validators.set(action, v);
  }
  return v;
}

const isAction = (a: unknown): a is StepAction => typeof a === 'string' && Object.hasOwn(STEP_SCHEMAS, a);

/** A short human name of a step for messages: `step 3 (click "#login")`. */
export function describeStep(index: number, step: Partial<Record<string, unknown>>): string {
  const action = typeof step.action === 'string' ? step.action : '?';
  const arg = step['selector'] ?? step['url'] ?? step['contains'] ?? step['text'];
  const shown =
    typeof arg === 'string' ? ` ${JSON.stringify(arg.length > 80 ? `${arg.slice(0, 77)}...` : arg)}` : '';
  return `step ${index + 1} (${action}${shown})`;
}

function problemsOf(index: number, step: Record<string, unknown>, action: StepAction): StepProblem[] {
  const base = `/steps/${index}`;
  const v = validatorFor(action);
  if (v.Check(step)) return extraChecks(index, step as Step);
  const problems: StepProblem[] = [];
  for (const e of v.Errors(step)) {
    if (e.keyword === 'required') {
      for (const p of e.params.requiredProperties)
        problems.push({ path: `${base}/${p}`, message: 'is required' });
    } else if (e.keyword === 'additionalProperties') {
      for (const p of e.params.additionalProperties)
        problems.push({ path: `${base}/${p}`, message: `is not a field of ${action}` });
    } else if (e.keyword !== 'boolean') {
      problems.push({ path: `${base}${e.instancePath}`, message: e.message });
    }
  }
  return problems;
}

/** What the schema cannot say: an `open` URL must stay on http(s). */
function extraChecks(index: number, step: Step): StepProblem[] {
  if (step.action !== 'open') return [];
  const resolved = URL.parse(step.url, 'http://base.invalid/');
  if (!resolved || (resolved.protocol !== 'http:' && resolved.protocol !== 'https:'))
    return [{ path: `/steps/${index}/url`, message: 'must be a path or an absolute http(s) URL' }];
  return [];
}

/**
 * Parses the `steps` of a trace. Every problem is reported; the message names the first bad
 * step, e.g. `step 2 (click): selector is required`.
 */
export function parseSteps(input: unknown): ParseResult {
  if (!Array.isArray(input))
    return fail(
      [{ path: '/steps', message: 'must be an array of steps' }],
      'steps must be an array of steps',
    );
  if (input.length === 0)
    return fail(
      [{ path: '/steps', message: 'must have at least one step' }],
      'a trace needs at least one step',
    );
  if (input.length > MAX_STEPS)
    return fail(
      [{ path: '/steps', message: `must have at most ${MAX_STEPS} steps` }],
      `a trace has at most ${MAX_STEPS} steps`,
    );
  const problems: StepProblem[] = [];
  let first: string | null = null;
  input.forEach((raw, i) => {
    let found: StepProblem[];
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      found = [{ path: `/steps/${i}`, message: 'must be an object with an action' }];
    } else {
      const step = raw as Record<string, unknown>;
      if (step.action === undefined)
        found = [{ path: `/steps/${i}/action`, message: `is required: one of ${STEP_ACTIONS.join(', ')}` }];
      else if (!isAction(step.action))
        found = [
          {
            path: `/steps/${i}/action`,
            message: `unknown action ${JSON.stringify(step.action)}: use one of ${STEP_ACTIONS.join(', ')}`,
          },
        ];
      else found = problemsOf(i, step, step.action);
    }
    if (found.length > 0 && first === null) {
      const p = found[0]!;
      const field = p.path.slice(`/steps/${i}`.length).replace(/^\//, '');
      const name =
        raw && typeof raw === 'object' ? describeStep(i, raw as Record<string, unknown>) : `step ${i + 1}`;
      // "selector is required"; an unknown action's message already names it.
      const prefix = field && !(field === 'action' && p.message.startsWith('unknown')) ? `${field} ` : '';
      first = `${name}: ${prefix}${p.message}`;
    }
    problems.push(...found);
  });
  if (problems.length === 0) return { ok: true, steps: input as Step[] };
  return fail(problems, first ?? 'a step is not valid');
}

function fail(errors: StepProblem[], message: string): ParseResult {
  return { ok: false, message, errors };
}

// --- parameters ----------------------------------------------------------------------------------

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g;

/** The `${name}` placeholders a step uses. */
export function placeholdersOf(step: Step): string[] {
  const names = new Set<string>();
  for (const value of Object.values(step))
    if (typeof value === 'string') for (const m of value.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names];
}

/**
 * Replaces `${name}` in every string field of the step with the build's parameter. A name the
 * build does not define is reported rather than left in place: typing "${password}" into a
 * login form would only fail later, and less clearly.
 */
export function substitute(
  step: Step,
  parameters: Record<string, string>,
): { ok: true; step: Step } | { ok: false; missing: string } {
  const missing = placeholdersOf(step).find((n) => !Object.hasOwn(parameters, n));
  if (missing !== undefined) return { ok: false, missing };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(step))
    out[k] =
      typeof v === 'string' && k !== 'action' ? v.replace(PLACEHOLDER, (_m, n: string) => parameters[n]!) : v;
  return { ok: true, step: out as Step };
}

// --- the published JSON Schema -----------------------------------------------------------------

export const TRACE_SCHEMA_ID = 'https://herald.dev/schemas/trace.json';

/** Fields of a trace besides its steps, shared with the API's request schemas. */
export const TraceFields = {
  name: Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'Shown in reports as "<browser>: <name>".',
  }),
  tags: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
    maxItems: 50,
    uniqueItems: true,
    description: 'execute-all with `tags` runs the traces that have any of them.',
  }),
  taggedBug: Type.Boolean({
    description:
      'A known bug: the trace is expected to fail, and its failure does not make a build unstable.',
  }),
  taggedFlaky: Type.Boolean({
    description:
      'Flaky: the trace sometimes fails for reasons other than the product; it does not count either.',
  }),
};

const EXAMPLE = {
  name: 'Log in',
  tags: ['smoke'],
  taggedBug: false,
  taggedFlaky: false,
  steps: [
    { action: 'open', url: '/login' },
    { action: 'type', selector: '#user', text: '${username}' },
    { action: 'type', selector: '#password', text: '${password}' },
    { action: 'click', selector: 'button[type=submit]' },
    { action: 'waitFor', selector: '.welcome', timeoutMs: 5000 },
    { action: 'assertText', selector: '.welcome', text: 'Hello, ${username}' },
    { action: 'assertTitle', text: 'Dashboard' },
    { action: 'assertUrl', contains: '/dashboard' },
  ],
};

const plain = (s: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

/** JSON Schema (2020-12) of a trace as the API takes it; committed as schemas/trace.json. */
export function buildTraceJsonSchema(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const action of STEP_ACTIONS) defs[`${action}Step`] = plain(STEP_SCHEMAS[action]);
  const refs = STEP_ACTIONS.map((a) => ({ $ref: `#/$defs/${a}Step` }));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: TRACE_SCHEMA_ID,
    title: 'Herald trace',
    description:
      'A browser test: steps run in order in each requested browser; the first step that fails ends the ' +
      'test case. `${name}` in any string of a step is replaced by the build parameter `name`. Every ' +
      'step has a timeout (HERALD_BUILD_STEP_TIMEOUT_MS). A failed assertion is a "failure"; anything ' +
      'else that stops a test case (no such element, a timeout, a page that does not load) is an "error".',
    type: 'object',
    required: ['name', 'steps'],
    properties: {
      name: plain(TraceFields.name),
      tags: plain(TraceFields.tags),
      taggedBug: plain(TraceFields.taggedBug),
      taggedFlaky: plain(TraceFields.taggedFlaky),
      steps: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_STEPS,
        items: { $ref: '#/$defs/step' },
        description: 'What the test does, in order.',
      },
    },
    additionalProperties: false,
    examples: [EXAMPLE],
    $defs: { step: { oneOf: refs }, ...defs },
  };
}
