import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { ExecuteBody } from '../../builds/request.ts';
import { BROWSERS, REPORTER_WHEN, type Build, type Project } from '../../domain/builds.ts';
import { HeraldError } from '../../domain/errors.ts';
import { SELECTS_NO_TRACE } from '../../services/builds.ts';
import { choiceGroup, errorSummary, selectField, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, type View } from '../layout.ts';
import { field, fields, sendPage, viewOf } from '../render.ts';

/** Starting a build from the console: the run form of a project or a trace. */

export const BROWSER_LABELS: Record<string, string> = { chrome: 'Chrome (Chromium)', firefox: 'Firefox' };

interface RunValues {
  browsers: string[];
  baseUrl: string;
  tags: string;
  reporterUrl: string;
  reporterWhen: string;
}

const DEFAULT_RUN: RunValues = {
  browsers: ['chrome'],
  baseUrl: '',
  tags: '',
  reporterUrl: '',
  reporterWhen: 'always',
};

/** The form that starts a build of a project's traces or of one trace. */
export function runForm(
  v: View,
  o: {
    action: string;
    title: string;
    baseUrl: string;
    projectBaseUrl: string | null;
    withTags: boolean;
    values?: RunValues;
    errors?: FieldErrors;
    /** Standalone page: the heading is the page's h1. */
    standalone?: boolean;
  },
): SafeHtml {
  const values = o.values ?? DEFAULT_RUN;
  const errors = o.errors ?? {};
  // One run form per page.
  const id = 'run';
  return html`<section class="run-form" ${o.standalone ? '' : html`aria-labelledby="${id}-title"`}>
    ${o.standalone ? '' : html`<h2 id="${id}-title">${o.title}</h2>`}
    ${errorSummary(errors, {
      browsers: `${id}-browsers-chrome`,
      baseUrl: `${id}-base-url`,
      tags: `${id}-tags`,
      reporterUrl: `${id}-reporter`,
    })}
    <form method="post" action="${o.action}" novalidate>
      ${csrfInput(v)}
      ${choiceGroup({ id: `${id}-browsers`, name: 'browsers', legend: 'Browsers', type: 'checkbox', choices: BROWSERS.map((b) => ({ value: b, label: BROWSER_LABELS[b] ?? b })), selected: values.browsers, error: errors['browsers'] })}
      ${textField({ id: `${id}-base-url`, name: 'baseUrl', label: 'Base URL', type: 'url', required: false, wide: true, spellcheck: false, value: values.baseUrl, hint: o.projectBaseUrl ? `Leave empty to use the project's: ${o.projectBaseUrl}` : 'The project has no base URL, so give one, such as https://staging.example.com.', error: errors['baseUrl'] })}
      ${o.withTags ? textField({ id: `${id}-tags`, name: 'tags', label: 'Only traces with any of these tags', required: false, value: values.tags, hint: 'Separated by spaces; leave empty to run every trace.', error: errors['tags'] }) : ''}
      ${textField({ id: `${id}-reporter`, name: 'reporterUrl', label: 'Report to this webhook', type: 'url', required: false, wide: true, spellcheck: false, value: values.reporterUrl, hint: 'A Usetrace webhook reporter: the JUnit-like report is POSTed here when the build ends.', error: errors['reporterUrl'] })}
      ${selectField({ id: `${id}-when`, name: 'reporterWhen', label: 'Report when', value: values.reporterWhen, options: REPORTER_WHEN.map((w) => ({ value: w, label: w === 'always' ? 'always' : w === 'fails' ? 'the build fails' : 'the results change' })) })}
      <button type="submit" class="button">${o.title}</button>
    </form>
  </section>`;
}

/** Where a problem the build service reports belongs on the form (by the path it names). */
function fieldOf(path: string): keyof RunValues | 'browsers' {
  if (path.startsWith('/requiredCapabilities')) return 'browsers';
  if (path.startsWith('/reporters')) return 'reporterUrl';
  if (path.startsWith('/tags')) return 'tags';
  return 'baseUrl';
}

/** Starts a build from the run form, or shows the form again with what is wrong. */
export async function startFromForm(
  ctx: AppContext,
  req: FastifyRequest,
  reply: FastifyReply,
  o: { project: Project; traceId: string | null },
) {
  const values: RunValues = {
    browsers: fields(req.body, 'browsers'),
    baseUrl: field(req.body, 'baseUrl').trim(),
    tags: field(req.body, 'tags').trim(),
    reporterUrl: field(req.body, 'reporterUrl').trim(),
    reporterWhen: field(req.body, 'reporterWhen') || 'always',
  };
  const tags = values.tags === '' ? [] : [...new Set(values.tags.split(/[\s,]+/).filter(Boolean))];
  const errors: FieldErrors = {};
  let build: Build | null = null;
  try {
    if (values.browsers.length === 0) errors['browsers'] = 'Choose at least one browser';
    else {
      // The form is a Usetrace execute request, checked by the same service as the API's.
      const body = {
        requiredCapabilities: values.browsers.map((browserName) => ({ browserName })),
        ...(values.baseUrl !== '' && { baseUrl: values.baseUrl }),
        ...(o.traceId === null && { tags }),
        ...(values.reporterUrl !== '' && {
          reporters: [{ webhook: { url: values.reporterUrl, when: values.reporterWhen } }],
        }),
      } satisfies ExecuteBody;
      const { tenantId, projectID } = o.project;
      build =
        o.traceId === null
          ? await ctx.services.builds.executeAll(tenantId, projectID, body)
          : await ctx.services.builds.executeTrace(tenantId, o.traceId, body);
    }
  } catch (err) {
    if (!(err instanceof HeraldError) || err.status !== 400) throw err;
    const details = Array.isArray(err.details)
      ? (err.details as Array<{ path?: string; message?: string }>)
      : [];
    if (details[0]?.message === SELECTS_NO_TRACE)
      errors['tags'] = tags.length ? 'No trace has any of these tags' : 'The project has no traces to run';
    else errors[fieldOf(details[0]?.path ?? '')] = err.message;
  }
  if (build) return reply.redirect(`/builds/${build.id}`, 303);

  const v = viewOf(ctx, req, reply);
  const title = o.traceId ? 'Run this trace' : 'Run all traces';
  const action = o.traceId ? `/traces/${o.traceId}/run` : `/projects/${o.project.projectID}/run`;
  const body = html`<h1>${title}</h1>
    ${runForm(v, {
      action,
      title,
      baseUrl: values.baseUrl,
      projectBaseUrl: o.project.baseUrl,
      withTags: o.traceId === null,
      values,
      errors,
      standalone: true,
    })}`;
  return sendPage(
    reply,
    page(v, {
      title,
      section: 'projects',
      body,
      hasErrors: true,
      crumbs: [
        { label: 'Projects', href: '/projects' },
        { label: o.project.name, href: `/projects/${o.project.projectID}` },
        { label: title },
      ],
    }),
    400,
  );
}
