import { idOrUndefined } from '../../domain/ids.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { deliveryBadge, prettyJson, time } from '../format.ts';
import { selectField } from '../forms.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { orMissing, sendPage, userOf, viewOf } from '../render.ts';
import { redeliverButton } from './deliveries.ts';

const PAGE_SIZE = 25;

/** A browser of recent events, each with its payload and fan-out (the deliveries it made). */
export function eventPages(web: FastifyInstance, ctx: AppContext): void {
  web.get<{ Querystring: { type?: string; after?: string } }>('/events', async (req, reply) => {
    const { tenantId } = userOf(req);
    // The built-in types and the tenant's own, so either can be filtered on.
    const names = (await ctx.services.eventTypes.list(tenantId)).map((e) =>
      'own' in e ? e.own.name : e.builtIn.type,
    );
    const type = names.find((t) => t === req.query.type);
    const after = idOrUndefined('event', req.query.after);
    const { data: list, nextCursor } = await ctx.services.events.list(tenantId, {
      limit: PAGE_SIZE,
      after,
      type,
    });
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Events</h1>
      <p class="lede">
        Everything published to Herald, newest first: what was sent, and to which hooks.
        <a href="/events/types">Event types</a> lists what can be published.
      </p>
      <form method="get" action="/events" class="filter-form">
        ${selectField({
          id: 'event-type',
          name: 'type',
          label: 'Event type',
          value: type ?? '',
          options: [{ value: '', label: 'All event types' }, ...names.map((t) => ({ value: t, label: t }))],
        })}
        <button type="submit" class="button secondary">Show events</button>
      </form>
      ${
        list.length === 0
          ? html`<p class="empty">No events${type ? html` of type <code>${type}</code>` : ''} yet.</p>`
          : html`<table class="data">
              <caption class="visually-hidden">
                Events, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Date added</th>
                  <th scope="col">eventID</th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (e) =>
                    html`<tr>
                      <th scope="row">
                        <a href="/events/${e.id}"
                          ><code>${e.type}</code><span class="visually-hidden"> ${e.id}</span></a
                        >
                      </th>
                      <td>${time(e.dateAdded)}</td>
                      <td><code>${e.eventID}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${nextCursor ? html`<nav class="pager" aria-label="Pages of events"><a href="/events?${type ? `type=${encodeURIComponent(type)}&` : ''}after=${nextCursor}">Older events</a></nav>` : ''}`;
    return sendPage(reply, page(v, { title: 'Events', section: 'events', body }));
  });

  web.get('/events/:id', async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const { tenantId } = userOf(req);
    const { event, deliveries, hooks } = await orMissing(
      ctx.services.events.withHooks(tenantId, req.params.id),
      'EVENT_NOT_FOUND',
      'There is no such event. It may have been purged.',
    );
    const v = viewOf(ctx, req, reply);
    const here = `/events/${event.id}`;
    const body = html`<h1><code>${event.type}</code></h1>
      <dl class="summary">
        <dt>eventID</dt>
        <dd><code>${event.eventID}</code></dd>
        <dt>Date added</dt>
        <dd>${time(event.dateAdded)}</dd>
        <dt>Herald id</dt>
        <dd><code>${event.id}</code></dd>
        ${
          event.idempotencyKey
            ? html`<dt>Idempotency-Key</dt>
                <dd><code>${event.idempotencyKey}</code></dd>`
            : ''
        }
      </dl>
      <section aria-labelledby="payload-title">
        <h2 id="payload-title">Payload</h2>
        <pre class="code"><code>${prettyJson(event.payload)}</code></pre>
      </section>
      <section aria-labelledby="fanout-title">
        <h2 id="fanout-title">Fan-out</h2>
        ${
          deliveries.length === 0
            ? html`<p class="empty">
                No hook subscribed to this event when it was published, so nothing was sent.
              </p>`
            : html`<table class="data">
                <caption class="visually-hidden">
                  Deliveries of this event
                </caption>
                <thead>
                  <tr>
                    <th scope="col">To</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Last response</th>
                    <th scope="col"><span class="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${deliveries.map((d) => {
                    const hook = d.hookId ? hooks.get(d.hookId) : null;
                    return html`<tr>
                      <th scope="row">
                        <a href="/deliveries/${d.id}"
                          >${hook ? hook.name : d.hookId ? 'deleted hook' : `reporter ${d.target?.url ?? ''}`}</a
                        >
                      </th>
                      <td>${deliveryBadge(d.status)}</td>
                      <td>${d.attempts}</td>
                      <td>${d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '–')}</td>
                      <td>${hook || !d.hookId ? redeliverButton(v, d, here) : ''}</td>
                    </tr>`;
                  })}
                </tbody>
              </table>`
        }
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: event.type,
        section: 'events',
        body,
        crumbs: [{ label: 'Events', href: '/events' }, { label: event.eventID }],
      }),
    );
  });
}
