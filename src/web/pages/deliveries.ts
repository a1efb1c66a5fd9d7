import { idOrUndefined } from '../../domain/ids.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import type { Attempt, Delivery, DeliveryStatus } from '../../domain/types.ts';
import { activityChart, HOUR } from '../chart.ts';
import { deliveryBadge, duration, plural, prettyJson, time } from '../format.ts';
import { selectField } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, type View } from '../layout.ts';
import { field, orMissing, redirectWith, safeNext, sendPage, userOf, viewOf } from '../render.ts';
import { hookCrumbs, loadHook } from './hooks.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const PAGE_SIZE = 25;
const FILTERS: Array<{ status: DeliveryStatus | undefined; label: string }> = [
  { status: undefined, label: 'All' },
  { status: 'delivered', label: 'Delivered' },
  { status: 'failed', label: 'Failed' },
  { status: 'pending', label: 'Pending' },
];
const RECOVER_WINDOWS: Array<{ value: string; label: string; ms: number }> = [
  { value: '1h', label: 'the last hour', ms: HOUR },
  { value: '6h', label: 'the last 6 hours', ms: 6 * HOUR },
  { value: '24h', label: 'the last 24 hours', ms: 24 * HOUR },
  { value: '3d', label: 'the last 3 days', ms: 72 * HOUR },
  { value: '7d', label: 'the last 7 days', ms: 168 * HOUR },
  { value: '30d', label: 'the last 30 days', ms: 720 * HOUR },
];

export function redeliverButton(v: View, d: Delivery, back: string, label = 'Redeliver'): SafeHtml {
  return html`<form method="post" action="/deliveries/${d.id}/redeliver" class="inline">
    ${csrfInput(v)}<input type="hidden" name="back" value="${back}" />
    <button type="submit" class="button secondary small">
      ${label}<span class="visually-hidden"> ${d.id}</span>
    </button>
  </form>`;
}

function outcome(d: Delivery): SafeHtml {
  if (d.lastStatus !== null) return html`HTTP ${d.lastStatus}`;
  if (d.lastError) return html`<span class="error-text">${d.lastError}</span>`;
  return html`<span class="muted">–</span>`;
}

export function deliveryPages(web: FastifyInstance, ctx: AppContext): void {
  web.get<{ Params: { id: string }; Querystring: { status?: string; after?: string } }>(
    '/settings/hooks/:id/deliveries',
    async (req, reply) => {
      const hook = await loadHook(ctx, req, req.params.id);
      const { tenantId } = hook;
      const status = FILTERS.find((f) => f.status !== undefined && f.status === req.query.status)?.status;
      const after = idOrUndefined('delivery', req.query.after);
      const { data: list, nextCursor } = await ctx.services.hooks.deliveries(tenantId, hook.id, {
        status,
        limit: PAGE_SIZE,
        after,
      });
      const since = Math.floor(Date.now() / HOUR) * HOUR - 23 * HOUR;
      const activity = await ctx.services.hooks.activity(tenantId, hook.id, since, HOUR);
      const v = viewOf(ctx, req, reply);
      const base = `/settings/hooks/${hook.id}/deliveries`;
      const here = `${base}${status ? `?status=${status}` : ''}`;
      const body = html`<h1>Deliveries of ${hook.name}</h1>
        <p><code>${hook.url}</code></p>
        <div class="toolbar">
          <form method="post" action="/settings/hooks/${hook.id}/test">
            ${csrfInput(v)}<button type="submit" class="button secondary">Send test event</button>
          </form>
          <a class="button secondary" href="/settings/hooks/${hook.id}">Hook settings</a>
        </div>
        <section aria-labelledby="activity-title">
          <h2 id="activity-title">Last 24 hours</h2>
          ${activityChart(activity, since)}
        </section>
        <section aria-labelledby="log-title">
          <h2 id="log-title">Delivery log</h2>
          <nav class="filters" aria-label="Filter deliveries by status">
            <ul>
              ${FILTERS.map(
                (f) =>
                  html`<li>
                    <a
                      href="${base}${f.status ? `?status=${f.status}` : ''}"
                      ${f.status === status ? html` aria-current="page"` : ''}
                      >${f.label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          ${
            list.length === 0
              ? html`<p class="empty">
                  No ${status ?? ''} deliveries${after ? ' on this page' : ''}. Use
                  <strong>Send test event</strong> to send one.
                </p>`
              : html`<table class="data" id="delivery-log">
                  <caption class="visually-hidden">
                    ${FILTERS.find((f) => f.status === status)?.label} deliveries, newest first
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Created</th>
                      <th scope="col">Event</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Last response</th>
                      <th scope="col"><span class="visually-hidden">Actions</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${list.map(({ delivery: d, event: e }) => {
                      return html`<tr>
                        <td>
                          <a href="/deliveries/${d.id}"
                            >${time(d.createdAt)}<span class="visually-hidden"> delivery ${d.id}</span></a
                          >
                        </td>
                        <td>
                          ${e ? html`<a href="/events/${e.id}"><code>${e.type}</code></a>` : html`<span class="muted">purged</span>`}
                        </td>
                        <td>${deliveryBadge(d.status)}</td>
                        <td>${d.attempts}</td>
                        <td>${outcome(d)}</td>
                        <td>${redeliverButton(v, d, here)}</td>
                      </tr>`;
                    })}
                  </tbody>
                </table>`
          }
          ${nextCursor ? html`<nav class="pager" aria-label="Pages of deliveries"><a href="${base}?${status ? `status=${status}&` : ''}after=${nextCursor}">Older deliveries</a></nav>` : ''}
        </section>
        <section aria-labelledby="recover-title">
          <h2 id="recover-title">Recover failed deliveries</h2>
          <form method="post" action="/settings/hooks/${hook.id}/recover">
            ${csrfInput(v)}
            ${selectField({ id: 'recover-since', name: 'since', label: 'Send failed deliveries again that were created in', options: RECOVER_WINDOWS, value: '24h', hint: 'Each one gets a fresh retry schedule. Useful after your endpoint was down for a while.' })}
            <button type="submit" class="button secondary">Recover failed since…</button>
          </form>
        </section>`;
      return sendPage(
        reply,
        page(v, {
          title: `Deliveries of ${hook.name}`,
          section: 'settings',
          body,
          crumbs: hookCrumbs(hook, { label: 'Deliveries' }),
        }),
      );
    },
  );

  web.post('/settings/hooks/:id/recover', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    const window = RECOVER_WINDOWS.find((w) => w.value === field(req.body, 'since'));
    if (!window) throw new HeraldError('VALIDATION_FAILED', 'Choose how far back to recover.');
    const requeued = await ctx.services.hooks.recover(hook.tenantId, hook.id, Date.now() - window.ms);
    return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}/deliveries`, {
      kind: 'success',
      text:
        requeued > 0
          ? `${plural(requeued, 'failed delivery', 'failed deliveries')} from ${window.label} will be sent again.`
          : `There were no failed deliveries from ${window.label}.`,
    });
  });

  web.get('/deliveries/:id', async (req: IdReq, reply) => {
    const { tenantId } = userOf(req);
    const {
      delivery: d,
      attempts,
      event,
      hook,
    } = await orMissing(
      ctx.services.deliveries.detail(tenantId, req.params.id),
      'DELIVERY_NOT_FOUND',
      'There is no such delivery. It may have been purged.',
    );
    const v = viewOf(ctx, req, reply);
    const target = hook
      ? html`<a href="/settings/hooks/${hook.id}">${hook.name}</a> · <code>${hook.url}</code>`
      : d.hookId
        ? html`<span class="muted">a deleted hook (${d.hookId})</span>`
        : html`build reporter · <code>${d.target?.url ?? ''}</code>`;
    const body = html`<h1>Delivery <code>${d.id}</code></h1>
      <div class="toolbar">${hook || !d.hookId ? redeliverButton(v, d, `/deliveries/${d.id}`) : ''}</div>
      <dl class="summary">
        <dt>Status</dt>
        <dd>${deliveryBadge(d.status)}</dd>
        <dt>To</dt>
        <dd>${target}</dd>
        <dt>Event</dt>
        <dd>
          ${event ? html`<a href="/events/${event.id}"><code>${event.type}</code></a> · eventID <code>${event.eventID}</code>` : html`<span class="muted">purged</span>`}
        </dd>
        <dt>Attempts</dt>
        <dd>${d.attempts}</dd>
        ${
          d.status === 'pending'
            ? html`<dt>Next attempt</dt>
                <dd>${time(d.nextAttemptAt)}</dd>`
            : ''
        }
        ${
          d.deliveredAt !== null
            ? html`<dt>Delivered</dt>
                <dd>${time(d.deliveredAt)}</dd>`
            : ''
        }
        ${
          d.lastError
            ? html`<dt>Last error</dt>
                <dd class="error-text">${d.lastError}</dd>`
            : ''
        }
        <dt>Created</dt>
        <dd>${time(d.createdAt)}</dd>
      </dl>
      <section aria-labelledby="body-title">
        <h2 id="body-title">Request body</h2>
        ${event ? html`<pre class="code"><code>${prettyJson(event.payload)}</code></pre>` : html`<p class="muted">The event was purged.</p>`}
      </section>
      <section aria-labelledby="attempts-title">
        <h2 id="attempts-title">Attempts</h2>
        ${attempts.length === 0 ? html`<p class="muted">No attempt yet.</p>` : [...attempts].reverse().map(attemptSection)}
      </section>`;
    const crumbs = hook
      ? hookCrumbs(
          hook,
          { label: 'Deliveries', href: `/settings/hooks/${hook.id}/deliveries` },
          { label: d.id },
        )
      : [{ label: 'Events', href: '/events' }, { label: d.id }];
    return sendPage(
      reply,
      page(v, { title: `Delivery ${d.id}`, section: hook ? 'settings' : 'events', body, crumbs }),
    );
  });

  web.post('/deliveries/:id/redeliver', async (req: IdReq, reply) => {
    const { tenantId } = userOf(req);
    const back = safeNext(field(req.body, 'back') || `/deliveries/${req.params.id}`);
    await ctx.services.deliveries.redeliver(tenantId, req.params.id);
    return redirectWith(ctx, req, reply, back, {
      kind: 'success',
      text: `Delivery ${req.params.id} will be sent again now.`,
    });
  });
}

function headersTable(caption: string, headers: Record<string, string> | null): SafeHtml {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return html`<p class="muted">No ${caption.toLowerCase()}.</p>`;
  return html`<table class="data compact headers">
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Header</th>
        <th scope="col">Value</th>
      </tr>
    </thead>
    <tbody>
      ${entries.map(
        ([k, val]) =>
          html`<tr>
            <th scope="row"><code>${k}</code></th>
            <td><code>${val}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function attemptSection(a: Attempt): SafeHtml {
  const ok = a.responseStatus !== null && a.responseStatus >= 200 && a.responseStatus < 300;
  const id = `attempt-${a.attemptNo}`;
  return html`<section class="attempt ${ok ? 'attempt-ok' : 'attempt-failed'}" aria-labelledby="${id}">
    <h3 id="${id}">
      Attempt ${a.attemptNo}: ${a.responseStatus !== null ? `HTTP ${a.responseStatus}` : 'no response'} after
      ${duration(a.durationMs)}
    </h3>
    <dl class="summary">
      <dt>Started</dt>
      <dd>${time(a.startedAt)}</dd>
      <dt>Duration</dt>
      <dd>${duration(a.durationMs)}</dd>
      <dt>Status</dt>
      <dd>${a.responseStatus ?? html`<span class="muted">none</span>`}</dd>
      <dt>URL</dt>
      <dd><code>${a.requestUrl}</code></dd>
      ${
        a.error
          ? html`<dt>Error</dt>
              <dd class="error-text">${a.error}</dd>`
          : ''
      }
    </dl>
    ${headersTable('Request headers', a.requestHeaders)}
    ${a.responseStatus !== null ? headersTable('Response headers', a.responseHeaders) : ''}
    ${
      a.responseStatus !== null
        ? html`<h4>Response body</h4>
            ${a.responseBody ? html`<pre class="code"><code>${prettyJson(a.responseBody)}</code></pre>` : html`<p class="muted">Empty.</p>`}`
        : ''
    }
  </section>`;
}
