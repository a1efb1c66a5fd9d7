import type { Hook, HookOrdering } from '../../domain/types.ts';
import type { HookProblem } from '../../services/hook-rules.ts';
import type { NewHook } from '../../services/hooks.ts';
import type { FifoQueue } from '../../store/ops/fifo-queues.ts';
import { time } from '../format.ts';
import { selectField, textArea, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { field } from '../render.ts';

/** The hook form's delivery options (issue 17): headers, filter, rate limit and ordering. */

export interface OptionValues {
  /** One `Name: value` a line. */
  headers: string;
  /** The filter's JSON Schema as text; empty for none. */
  filter: string;
  rateLimit: string;
  ordering: string;
  orderingKey: string;
}

export const NO_OPTION_VALUES: OptionValues = {
  headers: '',
  filter: '',
  rateLimit: '',
  ordering: 'none',
  orderingKey: '',
};

export const OPTION_FIELD_IDS = {
  headers: 'hook-headers',
  filter: 'hook-filter',
  rateLimit: 'hook-rate-limit',
  orderingKey: 'hook-ordering-key',
};

export function optionValuesOf(hook: Hook): OptionValues {
  return {
    headers: Object.entries(hook.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    filter: hook.filter === null ? '' : JSON.stringify(hook.filter, null, 2),
    rateLimit: hook.rateLimit === null ? '' : String(hook.rateLimit),
    ordering: hook.ordering,
    orderingKey: hook.orderingKey ?? '',
  };
}

export function optionValuesFromBody(body: unknown): OptionValues {
  return {
    headers: field(body, 'headers').trim(),
    filter: field(body, 'filter').trim(),
    rateLimit: field(body, 'rateLimit').trim(),
    ordering: field(body, 'ordering') === 'fifo' ? 'fifo' : 'none',
    orderingKey: field(body, 'orderingKey').trim(),
  };
}

/**
 * What the form asks the service for. Text that is not what a field needs (a filter that is not
 * JSON, a rate that is not a number) goes to the service as it is, whose rules refuse it and
 * name the field.
 */
export function optionInputOf(
  v: OptionValues,
): Pick<NewHook, 'headers' | 'filter' | 'rateLimit' | 'ordering' | 'orderingKey'> {
  const headers: Record<string, string> = {};
  for (const line of v.headers.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon === -1) headers[line.trim()] = '';
    else headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  let filter: object | null = null;
  if (v.filter !== '') {
    try {
      filter = JSON.parse(v.filter) as object;
    } catch {
      filter = v.filter as unknown as object;
    }
  }
  return {
    headers,
    filter,
    rateLimit: v.rateLimit === '' ? null : Number(v.rateLimit),
    ordering: v.ordering as HookOrdering,
    orderingKey: v.orderingKey === '' ? null : v.orderingKey,
  };
}

/** The message next to an option's field. */
export function optionMessage(p: HookProblem): string {
  if (p.field === 'filter' && p.message.includes('must be a JSON Schema object'))
    return 'The filter must be a JSON Schema: a JSON object such as {"properties": {…}}';
  return p.message;
}

export function optionsOpen(v: OptionValues, errors: FieldErrors): boolean {
  return Boolean(
    v.headers ||
    v.filter ||
    v.rateLimit ||
    v.ordering === 'fifo' ||
    Object.keys(OPTION_FIELD_IDS).some((k) => errors[k]),
  );
}

export function optionFields(v: OptionValues, errors: FieldErrors): SafeHtml {
  return html`<details class="more" ${optionsOpen(v, errors) ? html` open` : ''}>
    <summary>Delivery options: headers, payload filter, rate limit and ordering</summary>
    ${textArea({ id: 'hook-headers', name: 'headers', label: 'Extra request headers', value: v.headers, rows: 3, hint: 'One "Name: value" a line, sent with every request. Herald sets content-type, user-agent, authorization, signature, traceparent and webhook-* itself.', error: errors['headers'] })}
    ${textArea({ id: 'hook-filter', name: 'filter', label: 'Payload filter (JSON Schema)', value: v.filter, rows: 4, hint: 'Only events whose envelope {eventID, event, dateAdded, data} matches this schema are sent. Leave empty for every event.', error: errors['filter'] })}
    ${textField({ id: 'hook-rate-limit', name: 'rateLimit', label: 'Rate limit (requests per second)', type: 'number', value: v.rateLimit, required: false, hint: '1 to 10000, across every worker. Leave empty for no limit.', error: errors['rateLimit'] })}
    ${selectField({
      id: 'hook-ordering',
      name: 'ordering',
      label: 'Ordering',
      value: v.ordering,
      options: [
        { value: 'none', label: 'None: deliveries go out in parallel' },
        { value: 'fifo', label: 'FIFO: one at a time, in the order events were accepted' },
      ],
      hint: 'With FIFO, a failing delivery holds the ones behind it until it succeeds or fails for good.',
    })}
    ${textField({ id: 'hook-ordering-key', name: 'orderingKey', label: 'Ordering key (JSON Pointer)', value: v.orderingKey, required: false, spellcheck: false, hint: 'With FIFO: keep the order per value of this field, such as /data/projectID; different values go in parallel.', error: errors['orderingKey'] })}
  </details>`;
}

/** Rows of the hook's summary list. */
export function optionSummary(hook: Hook): SafeHtml {
  const names = Object.keys(hook.headers);
  return html`<dt>Extra headers</dt>
    <dd>${names.length > 0 ? html`<code>${names.join(', ')}</code>` : 'None'}</dd>
    <dt>Payload filter</dt>
    <dd>${hook.filter ? html`<code>${JSON.stringify(hook.filter)}</code>` : 'None: every event'}</dd>
    <dt>Rate limit</dt>
    <dd>${hook.rateLimit === null ? 'None' : `${hook.rateLimit} requests per second`}</dd>
    <dt>Ordering</dt>
    <dd>
      ${hook.ordering === 'fifo' ? html`FIFO${hook.orderingKey ? html` per <code>${hook.orderingKey}</code>` : ''}` : 'None'}
    </dd>`;
}

/** What a FIFO hook holds: each queue's head (the delivery the others wait on) and how many wait. */
export function heldQueues(hook: Hook, queues: readonly FifoQueue[]): SafeHtml {
  if (hook.ordering !== 'fifo') return html``;
  return html`<section aria-labelledby="held-title" id="held">
    <h2 id="held-title">Held in order</h2>
    ${
      queues.length === 0
        ? html`<p>Nothing is waiting: every delivery has gone out in order.</p>`
        : html`<table class="data">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Waiting</th>
                <th scope="col">Held by</th>
                <th scope="col">Attempts</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              ${queues.map(
                (q) =>
                  html`<tr>
                    <td>
                      ${q.key === '' ? html`<span class="muted">(whole hook)</span>` : html`<code>${q.key}</code>`}
                    </td>
                    <td>${q.pending - 1}</td>
                    <td>
                      <a href="/deliveries/${q.headId}">${q.headId}</a
                      >${q.headLastError ? html` <span class="muted">${q.headLastError}</span>` : ''}
                    </td>
                    <td>${q.headAttempts}</td>
                    <td>${time(q.headNextAttemptAt)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}
