import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { prettyJson, time } from '../format.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { sendPage, userOf, viewOf } from '../render.ts';

/** The catalogue a tenant publishes to: Herald's built-in types and the tenant's own. */
export function eventTypePages(web: FastifyInstance, ctx: AppContext): void {
  web.get('/events/types', async (req, reply) => {
    const { tenantId } = userOf(req);
    const entries = await ctx.services.eventTypes.list(tenantId);
    const own = entries.flatMap((e) => ('own' in e ? [e.own] : []));
    const builtIn = entries.flatMap((e) => ('builtIn' in e ? [e.builtIn] : []));
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Event types</h1>
      <p class="lede">
        What can be published. Your own types are made and changed through the API (<code
          >POST /api/event-types</code
        >); each schema change is a new version.
      </p>
      <section aria-labelledby="own-title">
        <h2 id="own-title">Your event types</h2>
        ${
          own.length === 0
            ? html`<p class="empty">None yet.</p>`
            : html`<table class="data">
                <caption class="visually-hidden">
                  Your event types, by name
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Description</th>
                    <th scope="col">Version</th>
                    <th scope="col">Changed</th>
                    <th scope="col">Schema</th>
                  </tr>
                </thead>
                <tbody>
                  ${own.map(
                    (t) =>
                      html`<tr>
                        <th scope="row"><code>${t.name}</code></th>
                        <td>${t.description ?? '–'}</td>
                        <td>${t.version}</td>
                        <td>${time(t.updatedAt)}</td>
                        <td>
                          <details>
                            <summary>Schema<span class="visually-hidden"> of ${t.name}</span></summary>
                            <pre class="code"><code>${prettyJson(t.schema)}</code></pre>
                          </details>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
        }
      </section>
      <section aria-labelledby="builtin-title">
        <h2 id="builtin-title">Built-in event types</h2>
        <table class="data">
          <caption class="visually-hidden">
            Herald's built-in event types
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
            </tr>
          </thead>
          <tbody>
            ${builtIn.map(
              (t) =>
                html`<tr>
                  <th scope="row"><code>${t.type}</code></th>
                  <td>${t.description}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </section>`;
    return sendPage(
      reply,
      page(v, {
        title: 'Event types',
        section: 'events',
        body,
        crumbs: [{ label: 'Events', href: '/events' }, { label: 'Event types' }],
      }),
    );
  });
}
