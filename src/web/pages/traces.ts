import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { describeStep, parseSteps, type Step } from '../../domain/steps.ts';
import type { Project, Trace } from '../../domain/builds.ts';
import { badge, time } from '../format.ts';
import { checkbox, errorSummary, textArea, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import { runForm, startFromForm } from './build-run.ts';
import { buildsTable } from './builds.ts';
import { orNotFound } from './not-found.ts';
import { loadProject } from './projects.ts';

type TraceReq = FastifyRequest<{ Params: { id: string } }>;
type ProjectReq = FastifyRequest<{ Params: { projectID: string } }>;

const EXAMPLE_STEPS = `[
  { "action": "open", "url": "/" },
  { "action": "assertTitle", "text": "Example Domain" }
]`;

function traceTags(t: Trace): SafeHtml {
  return html`${t.tags.map((tag) => html`<code>${tag}</code> `)}${t.taggedBug ? badge('known bug', 'wait') : ''}${
    t.taggedFlaky ? badge('flaky', 'wait') : ''
  }`;
}

export function tracesTable(traces: Trace[]): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Traces
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">Steps</th>
        <th scope="col">Tags</th>
        <th scope="col">Changed</th>
      </tr>
    </thead>
    <tbody>
      ${traces.map(
        (t) =>
          html`<tr>
            <th scope="row"><a href="/traces/${t.id}">${t.name}</a></th>
            <td>${t.steps.length}</td>
            <td>${traceTags(t)}</td>
            <td>${time(t.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

interface TraceValues {
  name: string;
  tags: string;
  taggedBug: boolean;
  taggedFlaky: boolean;
  steps: string;
}

function validate(body: unknown): {
  values: TraceValues;
  errors: FieldErrors;
  steps: Step[];
  tags: string[];
} {
  const values = {
    name: field(body, 'name').trim(),
    tags: field(body, 'tags').trim(),
    taggedBug: field(body, 'taggedBug') === '1',
    taggedFlaky: field(body, 'taggedFlaky') === '1',
    steps: field(body, 'steps'),
  };
  const errors: FieldErrors = {};
  if (values.name === '') errors['name'] = 'Enter a name for the trace';
  else if (values.name.length > 200) errors['name'] = 'The name must be 200 characters or fewer';
  const tags = [...new Set(values.tags.split(/[\s,]+/).filter(Boolean))];
  if (tags.some((t) => t.length > 100) || tags.length > 50)
    errors['tags'] = 'Use at most 50 tags of at most 100 characters';
  let steps: Step[] = [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(values.steps);
  } catch (err) {
    errors['steps'] = `The steps are not valid JSON: ${(err as Error).message}`;
  }
  if (!errors['steps']) {
    const result = parseSteps(parsed);
    if (result.ok) steps = result.steps;
    else errors['steps'] = `The steps are not right: ${result.message}`;
  }
  return { values, errors, steps, tags };
}

export function tracePages(web: FastifyInstance, ctx: AppContext): void {
  const load = async (req: TraceReq): Promise<Trace> =>
    orNotFound(ctx.services.traces.get(userOf(req).tenantId, req.params.id), 'There is no such trace.');

  const formPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    project: Project,
    existing: Trace | null,
    values: TraceValues,
    errors: FieldErrors,
    status = 200,
  ) => {
    const v = viewOf(ctx, req, reply);
    const title = existing ? `Edit ${existing.name}` : 'Add a trace';
    const body = html`<h1>${title}</h1>
      ${errorSummary(errors, { name: 'trace-name', tags: 'trace-tags', steps: 'trace-steps' })}
      <form
        method="post"
        action="${existing ? `/traces/${existing.id}/edit` : `/projects/${project.projectID}/traces/new`}"
        novalidate
      >
        ${csrfInput(v)}
        ${textField({ id: 'trace-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, error: errors['name'] })}
        ${textField({ id: 'trace-tags', name: 'tags', label: 'Tags', required: false, value: values.tags, hint: 'Separated by spaces. "Run all traces" can be limited to traces with some tags.', error: errors['tags'] })}
        ${checkbox({ id: 'trace-bug', name: 'taggedBug', label: 'Known bug', checked: values.taggedBug, hint: 'Expected to fail: it does not make a build unstable.' })}
        ${checkbox({ id: 'trace-flaky', name: 'taggedFlaky', label: 'Flaky', checked: values.taggedFlaky, hint: 'Fails now and then for reasons outside the product: its result does not count either.' })}
        ${textArea({ id: 'trace-steps', name: 'steps', label: 'Steps', value: values.steps, rows: 14, required: true, hint: html`A JSON list of steps: open, click, type, waitFor, assertText, assertTitle and assertUrl, as described by the <a href="/schemas/trace.json">trace JSON Schema</a>.`, error: errors['steps'] })}
        <div class="actions">
          <button type="submit" class="button">Save trace</button>
          <a href="${existing ? `/traces/${existing.id}` : `/projects/${project.projectID}`}">Cancel</a>
        </div>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title,
        section: 'projects',
        body,
        crumbs: [
          { label: 'Projects', href: '/projects' },
          { label: project.name, href: `/projects/${project.projectID}` },
          ...(existing ? [{ label: existing.name, href: `/traces/${existing.id}` }] : []),
          { label: existing ? 'Edit' : 'Add a trace' },
        ],
        hasErrors: Object.keys(errors).length > 0,
      }),
      status,
    );
  };

  web.get('/projects/:projectID/traces/new', async (req: ProjectReq, reply) => {
    const project = await loadProject(ctx, req, req.params.projectID);
    return formPage(
      req,
      reply,
      project,
      null,
      { name: '', tags: '', taggedBug: false, taggedFlaky: false, steps: EXAMPLE_STEPS },
      {},
    );
  });

  web.post('/projects/:projectID/traces/new', async (req: ProjectReq, reply) => {
    const project = await loadProject(ctx, req, req.params.projectID);
    const { values, errors, steps, tags } = validate(req.body);
    if (Object.keys(errors).length > 0) return formPage(req, reply, project, null, values, errors, 400);
    const trace = await ctx.services.traces.create(project.tenantId, project.projectID, {
      name: values.name,
      tags,
      taggedBug: values.taggedBug,
      taggedFlaky: values.taggedFlaky,
      steps,
    });
    return redirectWith(ctx, req, reply, `/traces/${trace.id}`, {
      kind: 'success',
      text: `The trace "${trace.name}" was added.`,
    });
  });

  web.get('/traces/:id', async (req: TraceReq, reply) => {
    const trace = await load(req);
    const project = await loadProject(ctx, req, trace.projectID);
    const builds = await ctx.services.builds.listOfTrace(trace, 10);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>${trace.name}</h1>
      <div class="toolbar">
        <a class="button secondary" href="/traces/${trace.id}/edit">Edit</a>
        <a class="button danger" href="/traces/${trace.id}/delete">Delete</a>
      </div>
      <dl class="summary">
        <dt>Project</dt>
        <dd><a href="/projects/${project.projectID}">${project.name}</a></dd>
        <dt>Tags</dt>
        <dd>
          ${trace.tags.length || trace.taggedBug || trace.taggedFlaky ? traceTags(trace) : html`<span class="muted">none</span>`}
        </dd>
        <dt>Trace id</dt>
        <dd><code>${trace.id}</code></dd>
        <dt>Changed</dt>
        <dd>${time(trace.updatedAt)}</dd>
      </dl>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <ol class="steps">
          ${trace.steps.map((s, i) => html`<li><code>${describeStep(i, s).replace(/^step \d+ /, '')}</code></li>`)}
        </ol>
      </section>
      ${runForm(v, {
        action: `/traces/${trace.id}/run`,
        title: 'Run this trace',
        baseUrl: '',
        projectBaseUrl: project.baseUrl,
        withTags: false,
      })}
      <section aria-labelledby="trace-builds-title">
        <h2 id="trace-builds-title">Recent builds of this trace</h2>
        ${
          builds.length === 0
            ? html`<p class="empty">No builds of this trace alone yet.</p>`
            : await buildsTable(ctx, builds, new Map([[project.projectID, project]]))
        }
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: trace.name,
        section: 'projects',
        body,
        crumbs: [
          { label: 'Projects', href: '/projects' },
          { label: project.name, href: `/projects/${project.projectID}` },
          { label: trace.name },
        ],
      }),
    );
  });

  web.post('/traces/:id/run', async (req: TraceReq, reply) => {
    const trace = await load(req);
    const project = await loadProject(ctx, req, trace.projectID);
    return startFromForm(ctx, req, reply, { project, traceId: trace.id });
  });

  web.get('/traces/:id/edit', async (req: TraceReq, reply) => {
    const t = await load(req);
    const project = await loadProject(ctx, req, t.projectID);
    return formPage(
      req,
      reply,
      project,
      t,
      {
        name: t.name,
        tags: t.tags.join(' '),
        taggedBug: t.taggedBug,
        taggedFlaky: t.taggedFlaky,
        steps: JSON.stringify(t.steps, null, 2),
      },
      {},
    );
  });

  web.post('/traces/:id/edit', async (req: TraceReq, reply) => {
    const existing = await load(req);
    const project = await loadProject(ctx, req, existing.projectID);
    const { values, errors, steps, tags } = validate(req.body);
    if (Object.keys(errors).length > 0) return formPage(req, reply, project, existing, values, errors, 400);
    await orNotFound(
      ctx.services.traces.update(existing.tenantId, existing.id, {
        name: values.name,
        tags,
        taggedBug: values.taggedBug,
        taggedFlaky: values.taggedFlaky,
        steps,
      }),
      'There is no such trace.',
    );
    return redirectWith(ctx, req, reply, `/traces/${existing.id}`, {
      kind: 'success',
      text: `The trace "${values.name}" was saved. Builds already started keep the steps they started with.`,
    });
  });

  web.get('/traces/:id/delete', async (req: TraceReq, reply) => {
    const trace = await load(req);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Delete the trace "${trace.name}"?</h1>
      <p>Builds that ran it stay readable. This cannot be undone.</p>
      <form method="post" action="/traces/${trace.id}/delete" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Delete trace</button>
        <a href="/traces/${trace.id}">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Delete ${trace.name}`,
        section: 'projects',
        body,
        crumbs: [
          { label: 'Projects', href: '/projects' },
          { label: trace.name, href: `/traces/${trace.id}` },
          { label: 'Delete' },
        ],
      }),
    );
  });

  web.post('/traces/:id/delete', async (req: TraceReq, reply) => {
    const trace = await orNotFound(
      ctx.services.traces.delete(userOf(req).tenantId, req.params.id),
      'There is no such trace.',
    );
    return redirectWith(ctx, req, reply, `/projects/${trace.projectID}#traces-title`, {
      kind: 'success',
      text: `The trace "${trace.name}" was deleted.`,
    });
  });
}
